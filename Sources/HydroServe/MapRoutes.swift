import Foundation
import Hummingbird

/// The web map: a page, its script, and Leaflet from the system's libjs-leaflet (no network needed).
extension HydroServer {
    func addMapRoutes(_ router: Router<ServeContext>) {
        router.get("/map") { _, context -> Response in
            guard let user = context.user else { return Self.redirect("/login") }
            let current = self.state.current
            return Self.html(MapPage.html(project: current.snapshot.projectName, user: user, csrf: context.cookieCSRF ?? ""))
        }
        router.get("/static/map.js") { _, _ -> Response in
            Self.bytes(Data(MapPage.script.utf8), type: "text/javascript; charset=utf-8", headers: [.cacheControl: "no-cache"])
        }
        router.get("/static/leaflet/:file") { _, context -> Response in
            try self.leaflet(context.parameters.get("file") ?? "", images: false)
        }
        router.get("/static/leaflet/images/:file") { _, context -> Response in
            try self.leaflet(context.parameters.get("file") ?? "", images: true)
        }
    }

    /// Only Leaflet's own files, by name (no path from the request reaches the file system).
    func leaflet(_ name: String, images: Bool) throws -> Response {
        let allowed = images ? ["layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"]
            : ["leaflet.js", "leaflet.css"]
        guard allowed.contains(name) else { throw HTTPError(.notFound, message: "no Leaflet file '\(name)'") }
        let path = (leafletFolder as NSString).appendingPathComponent(images ? "images/\(name)" : name)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HTTPError(.notFound, message: "\(path) is missing: install Debian's libjs-leaflet (scripts/install-deps.sh)")
        }
        let type = name.hasSuffix(".js") ? "text/javascript; charset=utf-8" : name.hasSuffix(".css") ? "text/css; charset=utf-8" : "image/png"
        return Self.bytes(data, type: type, headers: [.cacheControl: "public, max-age=86400"])
    }
}
