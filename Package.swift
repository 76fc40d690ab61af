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
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(name: "CGDAL", pkgConfig: "gdal", providers: [.apt(["libgdal-dev"])]),
        .systemLibrary(name: "CPROJ", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),
        .target(
            name: "Hydro",
            dependencies: [
                "CGDAL", "CPROJ",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // TOMLKit's extensions of Double and String stay in the files that import it.
            swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        .executableTarget(
            name: "hydrotool",
            dependencies: ["Hydro", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        .testTarget(name: "HydroTests", dependencies: ["Hydro"], swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]),
    ]
)
