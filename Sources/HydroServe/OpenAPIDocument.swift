import Foundation

/// The OpenAPI 3.0 description of every endpoint the server answers (the `/api` document).
enum OpenAPIDocument {
    static func build(collections: [ServedCollection], title: String) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        func op(_ summary: String, tag: String, auth: Bool, params: [JSONValue] = [], body: JSONValue? = nil,
                responses: [String: JSONValue]) -> JSONValue {
            var o: [String: JSONValue] = ["summary": .string(summary), "tags": [.string(tag)], "responses": .object(responses)]
            if !params.isEmpty { o["parameters"] = .array(params) }
            if let body { o["requestBody"] = body }
            o["security"] = auth ? [["bearer": []], ["session": []]] : []
            return .object(o)
        }
        func response(_ description: String, _ types: [String]) -> JSONValue {
            ["description": .string(description), "content": .object(Dictionary(uniqueKeysWithValues: types.map { ($0, ["schema": ["type": "object"]]) }))]
        }
        let error: [String: JSONValue] = ["401": ["$ref": "#/components/responses/Unauthorized"]]
        let json = ["application/json", "text/html"]
        let f: JSONValue = ["name": "f", "in": "query", "required": false, "schema": ["type": "string", "enum": ["json", "html"]],
                            "description": "Response format (otherwise from the Accept header)"]
        func pathParam(_ name: String, _ description: String, integer: Bool = false) -> JSONValue {
            ["name": .string(name), "in": "path", "required": true, "schema": ["type": integer ? "integer" : "string"], "description": .string(description)]
        }

        paths["/"] = ["get": op("Landing page", tag: "Capabilities", auth: false, params: [f], responses: ["200": response("Links to the API, conformance and collections", json)])]
        paths["/conformance"] = ["get": op("Conformance classes implemented", tag: "Capabilities", auth: false, params: [f],
                                          responses: ["200": response("The conformance declaration", json)])]
        paths["/api"] = ["get": op("This OpenAPI 3.0 document", tag: "Capabilities", auth: false,
                                  responses: ["200": response("OpenAPI 3.0 document", ["application/vnd.oai.openapi+json;version=3.0"])])]
        paths["/collections"] = ["get": op("The feature collections", tag: "Capabilities", auth: true, params: [f],
                                          responses: ["200": response("Collections", json)].merging(error) { a, _ in a })]
        for c in collections {
            var itemParams: [JSONValue] = [
                ["name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
                 "schema": ["type": "integer", "minimum": 1, "maximum": .number(Double(ServeLimits.maxLimit)), "default": .number(Double(ServeLimits.defaultLimit))]],
                ["name": "offset", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 0, "default": 0],
                 "description": "Features to skip (next links carry it)"],
                ["name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                 "schema": ["type": "array", "minItems": 4, "maxItems": 4, "items": ["type": "number"]],
                 "description": "minLon,minLat,maxLon,maxLat in CRS84"],
                ["name": "datetime", "in": "query", "required": false, "schema": ["type": "string"], "description": "Accepted and ignored: no feature has a time"],
                ["name": "f", "in": "query", "required": false, "schema": ["type": "string", "enum": ["json", "geojson", "html"]]],
            ]
            if c.id == "ledger" {
                itemParams.append(["name": "version", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 1],
                                   "description": "An earlier settlement version (default: the current one)"])
            }
            for p in c.filterable {
                itemParams.append(["name": .string(p), "in": "query", "required": false, "schema": ["type": "string"],
                                   "description": .string("Only features whose '\(p)' equals this value")])
            }
            let geo = ["application/geo+json", "text/html"]
            paths["/collections/\(c.id)"] = ["get": op("\(c.title): metadata", tag: "Data", auth: true, params: [f],
                                                       responses: ["200": response(c.description, json), "404": ["description": "No such collection"]].merging(error) { a, _ in a })]
            paths["/collections/\(c.id)/items"] = ["get": op("\(c.title): features", tag: "Data", auth: true, params: itemParams,
                                                             responses: ["200": response("A page of features (GeoJSON, CRS84) with a next link while more match", geo),
                                                                         "400": ["description": "A parameter is malformed or unknown"]].merging(error) { a, _ in a })]
            paths["/collections/\(c.id)/items/{featureId}"] = ["get": op("\(c.title): one feature", tag: "Data", auth: true,
                                                                         params: [pathParam("featureId", "The feature's id"), f],
                                                                         responses: ["200": response("One feature", geo), "404": ["description": "No such feature"]].merging(error) { a, _ in a })]
        }
        let form: JSONValue = ["content": [
            "application/json": ["schema": ["type": "object", "required": ["username", "password"],
                                            "properties": ["username": ["type": "string"], "password": ["type": "string"]]]],
            "application/x-www-form-urlencoded": ["schema": ["type": "object", "properties": ["username": ["type": "string"], "password": ["type": "string"], "csrf": ["type": "string"]]]],
        ]]
        paths["/login"] = [
            "get": op("Sign-in form", tag: "Accounts", auth: false, responses: ["200": response("HTML form", ["text/html"])]),
            "post": op("Sign in: a bearer token (JSON) or a session cookie (form)", tag: "Accounts", auth: false, body: form,
                       responses: ["200": response("Token, CSRF token and expiry", ["application/json"]), "303": ["description": "Signed in (form): to the map"],
                                   "401": ["description": "Wrong user or password"], "429": ["description": "Too many failed logins; Retry-After says how long to wait"]]),
        ]
        paths["/logout"] = ["post": op("End the session", tag: "Accounts", auth: true, responses: ["204": ["description": "Signed out"], "303": ["description": "Signed out (form)"]])]
        paths["/me"] = ["get": op("The signed-in account", tag: "Accounts", auth: true, responses: ["200": response("Name, role, jurisdiction", ["application/json"])].merging(error) { a, _ in a })]
        paths["/map"] = ["get": op("The web map", tag: "Map", auth: true, responses: ["200": response("HTML page", ["text/html"]), "303": ["description": "Not signed in: to the sign-in form"]])]
        paths["/static/map.js"] = ["get": op("The map page's script", tag: "Map", auth: false, responses: ["200": response("JavaScript", ["text/javascript"])])]
        paths["/static/leaflet/{file}"] = ["get": op("Leaflet, served from the system's libjs-leaflet", tag: "Map", auth: false,
                                                    params: [pathParam("file", "leaflet.js or leaflet.css")],
                                                    responses: ["200": response("Leaflet", ["text/javascript", "text/css"]), "404": ["description": "Not a Leaflet file"]])]
        paths["/static/leaflet/images/{file}"] = ["get": op("Leaflet's marker and layer images", tag: "Map", auth: false,
                                                           params: [pathParam("file", "An image of Leaflet's")],
                                                           responses: ["200": response("PNG", ["image/png"]), "404": ["description": "Not a Leaflet image"]])]
        let csv: JSONValue = ["required": true, "content": [
            "text/csv": ["schema": ["type": "string"]],
            "application/x-www-form-urlencoded": ["schema": ["type": "object", "properties": ["csv": ["type": "string"], "filename": ["type": "string"], "csrf": ["type": "string"]]]],
        ]]
        paths["/uploads"] = [
            "get": op("Every upload, oldest first (the audit of monitoring data)", tag: "Monitoring", auth: true,
                      responses: ["200": response("Upload versions with uploader, time and SHA-256", ["application/json"])].merging(error) { a, _ in a }),
            "post": op("Upload monitoring data (the project's monitoring CSV format) for sections the account is party to", tag: "Monitoring", auth: true,
                       params: [["name": "filename", "in": "query", "required": false, "schema": ["type": "string"]]], body: csv,
                       responses: ["201": response("Stored; the new settlement version", ["application/json"]),
                                   "403": ["description": "A row is for a section the account is not party to, or the CSRF token is missing"],
                                   "413": ["description": .string("Larger than \(ServeLimits.maxBody) bytes")],
                                   "422": ["description": "Not valid monitoring data: the message names the line"]].merging(error) { a, _ in a }),
        ]
        paths["/uploads/{version}"] = ["get": op("One upload's record", tag: "Monitoring", auth: true, params: [pathParam("version", "Upload version", integer: true)],
                                                responses: ["200": response("Upload record", ["application/json"]), "404": ["description": "No such upload"]].merging(error) { a, _ in a })]
        paths["/uploads/{version}/content"] = ["get": op("One upload's file as received", tag: "Monitoring", auth: true,
                                                        params: [pathParam("version", "Upload version", integer: true)],
                                                        responses: ["200": response("The CSV", ["text/csv"]), "404": ["description": "No such upload"]].merging(error) { a, _ in a })]
        paths["/settlements"] = ["get": op("Every settlement version, oldest first", tag: "Settlement", auth: true,
                                          responses: ["200": response("Versions with basis and totals", ["application/json"])].merging(error) { a, _ in a })]
        paths["/settlements/{version}"] = ["get": op("One settlement version: ledger, balances, gaps", tag: "Settlement", auth: true,
                                                    params: [pathParam("version", "Settlement version", integer: true)],
                                                    responses: ["200": response("Settlement", ["application/json"]), "404": ["description": "No such version"]].merging(error) { a, _ in a })]
        paths["/scheme"] = [
            "get": op("The compensation scheme in force (TOML)", tag: "Settlement", auth: true,
                      responses: ["200": response("Scheme file", ["application/toml"]), "404": ["description": "The project has no scheme"]].merging(error) { a, _ in a }),
            "put": op("Replace the scheme (administrator only) and settle under it", tag: "Settlement", auth: true,
                      body: ["required": true, "content": ["application/toml": ["schema": ["type": "string"]]]],
                      responses: ["201": response("The new settlement version", ["application/json"]), "403": ["description": "Not the administrator"],
                                  "413": ["description": "Too large"], "422": ["description": "Not a valid scheme: the message names the line"]].merging(error) { a, _ in a }),
        ]
        paths["/audit"] = ["get": op("The append-only audit log", tag: "Monitoring", auth: true,
                                    responses: ["200": response("Every logged action", ["application/json"])].merging(error) { a, _ in a })]
        return [
            "openapi": "3.0.3",
            "info": ["title": .string(title), "version": "1.0.0",
                     "description": "OGC API – Features (Core, GeoJSON, HTML, OpenAPI 3.0) over a hydrotool project, with accounts, monitoring uploads and settlement versions"],
            "paths": .object(paths),
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"],
                                    "session": ["type": "apiKey", "in": "cookie", "name": .string(SessionCookie.name)]],
                "responses": ["Unauthorized": ["description": "Not signed in, or the token has expired"]],
            ],
        ]
    }
}
