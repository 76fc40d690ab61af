// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hydrotool",
    products: [
        .library(name: "Hydro", targets: ["Hydro"]),
        .executable(name: "hydrotool", targets: ["hydrotool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CGDAL", pkgConfig: "gdal", providers: [.apt(["libgdal-dev"])]),
        .systemLibrary(name: "CPROJ", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),
        .target(name: "Hydro", dependencies: ["CGDAL", "CPROJ"]),
        .executableTarget(
            name: "hydrotool",
            dependencies: ["Hydro", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "HydroTests", dependencies: ["Hydro"]),
    ]
)
