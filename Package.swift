// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hydrotool",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Hydro", targets: ["Hydro"]),
        .library(name: "HydroServe", targets: ["HydroServe"]),
        .executable(name: "hydrotool", targets: ["hydrotool"]),
        // Open MPI's calls for `mpirun -np N hydrotool tiles …`, loaded by the executable at run time;
        // built by `swift build` (or `--product HydroMPI`) where Open MPI is installed.
        .library(name: "HydroMPI", type: .dynamic, targets: ["HydroMPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(name: "CGDAL", pkgConfig: "gdal", providers: [.apt(["libgdal-dev"])]),
        .systemLibrary(name: "CPROJ", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),
        // Open MPI's C API, for distributed tiled processing under mpirun (only libHydroMPI.so links it).
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
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
        // The information-sharing web service over a project (OGC API – Features, accounts, uploads).
        .target(
            name: "HydroServe",
            dependencies: [
                "Hydro",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The message layer behind `MPITileExecutor`, as a shared library with a C interface.
        .target(name: "HydroMPI", dependencies: ["CMPI"]),
        .executableTarget(
            name: "hydrotool",
            dependencies: ["Hydro", "HydroServe", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        .testTarget(name: "HydroTests", dependencies: ["Hydro"], swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]),
        .testTarget(
            name: "HydroServeTests",
            dependencies: ["HydroServe", "Hydro", .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ]
)
