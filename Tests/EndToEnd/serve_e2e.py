#!/usr/bin/env python3
"""End-to-end tests of `hydrotool serve` against the real binary on loopback.

- browser: headless Chromium (Debian's chromium and chromium-driver, driven by Selenium) signs in
  as a county through the form, opens the map, uploads a month of monitoring data through the page
  and sees the ledger change;
- kill: uploads stream in while the server is killed with SIGKILL; after a restart every upload the
  server had acknowledged is present, byte for byte, with its audit line;
- signals: SIGTERM and SIGINT stop the server cleanly (exit 0).

Usage: e2e.py HYDROTOOL_BINARY [--screenshots DIR]. Prints 'N passed, N failed'; exits 1 on failure.
"""
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

BINARY = sys.argv[1]
SHOTS = sys.argv[sys.argv.index("--screenshots") + 1] if "--screenshots" in sys.argv else None
COUNTY, COUNTY_PASSWORD = "qixingguan", "county-password-1"
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("PASS " if ok else "FAIL ") + name + ("" if ok or not detail else ": " + detail), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, project, port):
        self.project, self.port, self.proc = project, port, None

    def start(self):
        self.log = open(os.path.join(os.path.dirname(self.project), "serve-%d.log" % self.port), "ab")
        self.proc = subprocess.Popen([BINARY, "serve", self.project, "--port", str(self.port), "-q"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s" % self.proc.returncode)
            try:
                urllib.request.urlopen(self.url("/conformance"), timeout=2).read()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None


def request(server, path, method="GET", body=None, token=None, content_type=None, timeout=120):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    if content_type:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(server.url(path), data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def login(server, name, password):
    status, body = request(server, "/login", "POST", json.dumps({"username": name, "password": password}).encode(),
                           content_type="application/json")
    assert status == 200, (status, body)
    return json.loads(body)["token"]


def make_project(root):
    subprocess.run([BINARY, "demo", "--size", "90", "--output", root, "-q"], check=True, stdout=subprocess.DEVNULL)
    project = os.path.join(root, "project.toml")
    env = dict(os.environ)
    for name, extra, password in [("admin", ["--admin"], "admin-password-1"),
                                  (COUNTY, ["--jurisdiction", "520502"], COUNTY_PASSWORD)]:
        env["HYDROTOOL_PASSWORD"] = password
        subprocess.run([BINARY, "serve", project, "--add-user", name, "--bcrypt-cost", "10"] + extra,
                       check=True, env=env, stdout=subprocess.DEVNULL)
    return project


def browser_test(server, work):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900", "--disable-gpu"]:
        options.add_argument(a)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    try:
        # The page re-renders its panels after every fetch: an element found a moment ago may be gone
        # (stale) when read. Texts are read in the page in one step, and waits retry on a stale element.
        wait = WebDriverWait(driver, 60, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))

        def text_of(element_id):
            return driver.execute_script("const e = document.getElementById(arguments[0]); return e ? e.innerText : ''", element_id)

        def attribute_of(element_id, name):
            return driver.execute_script("const e = document.getElementById(arguments[0]); return e ? e.getAttribute(arguments[1]) : null", element_id, name)
        driver.get(server.url("/map"))
        check("browser: the map sends a visitor who is not signed in to the sign-in form", "/login" in driver.current_url, driver.current_url)
        driver.find_element(By.ID, "username").send_keys(COUNTY)
        driver.find_element(By.ID, "password").send_keys(COUNTY_PASSWORD)
        driver.find_element(By.ID, "signin").click()
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        check("browser: signed in as the county, the map loads its layers", driver.current_url.endswith("/map"), driver.current_url)
        leaflet_paths = driver.execute_script("return document.querySelectorAll('.leaflet-overlay-pane path').length")
        check("browser: Leaflet (served locally) drew the collections", leaflet_paths > 0, str(leaflet_paths))
        scripts = driver.execute_script("return Array.from(document.scripts).map(s => s.src)")
        check("browser: no script from another host", all(s.startswith(server.url("/")) for s in scripts), str(scripts))
        selected = driver.execute_script("return document.getElementById('party').value")
        check("browser: the selector starts on the county's own jurisdiction", selected == "520502", selected)
        before = text_of("party-money")
        version_before = text_of("settlement-version")
        # Click the third section: its shares appear.
        driver.execute_script("document.querySelector('[data-section=\"S3\"]').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
        wait.until(lambda d: "Shares of" in text_of("section-info"))
        check("browser: clicking a section shows its shares", "Shares of TP by county" in text_of("section-info"))
        if SHOTS:
            driver.save_screenshot(os.path.join(SHOTS, "map-before-upload.png"))
        # The demo's S3 has no sample in August; the county sends one.
        month = os.path.join(work, "s3-2024-08.csv")
        with open(month, "w") as f:
            f.write("section,period,parameter,concentration,flow_m3s\nS3,2024-08,CODMn,3.1,150\nS3,2024-08,NH3-N,0.3,150\nS3,2024-08,TP,0.08,150\n")
        driver.find_element(By.ID, "upload-file").send_keys(month)
        driver.find_element(By.ID, "upload-button").click()
        wait.until(lambda d: attribute_of("upload-status", "data-settlement") or "Refused" in text_of("upload-status"))
        status = text_of("upload-status")
        check("browser: the upload is accepted", "accepted" in status, status)
        wait.until(lambda d: text_of("settlement-version") != version_before)
        after = text_of("party-money")
        check("browser: the settlement version on the page moves on", text_of("settlement-version") != version_before)
        check("browser: what the county receives changes with the new month", after != before, before + " | " + after)
        if SHOTS:
            driver.execute_script("document.getElementById('side').scrollTop = 0")
            driver.save_screenshot(os.path.join(SHOTS, "map-after-upload.png"))
        # A file with an error is refused with its line.
        bad = os.path.join(work, "bad.csv")
        with open(bad, "w") as f:
            f.write("section,period,parameter,concentration,flow_m3s\nS3,2024-13,TP,0.08,150\n")
        driver.find_element(By.ID, "upload-file").clear()
        driver.find_element(By.ID, "upload-file").send_keys(bad)
        driver.find_element(By.ID, "upload-button").click()
        wait.until(lambda d: "Refused" in text_of("upload-status"))
        status = text_of("upload-status")
        check("browser: a bad file is refused with its line number", "422" in status and "bad.csv:2" in status, status)
    finally:
        driver.quit()


def openapi_test(server):
    """The /api document validates as OpenAPI 3.0 with an independent validator."""
    from openapi_spec_validator import validate
    status, body = request(server, "/api")
    document = json.loads(body)
    try:
        validate(document)
        check("openapi: /api is a valid OpenAPI 3.0 document (openapi-spec-validator)", status == 200)
    except Exception as e:
        check("openapi: /api is a valid OpenAPI 3.0 document (openapi-spec-validator)", False, str(e)[:300])


def kill_test(project, port):
    server = Server(project, port).start()
    admin = login(server, "admin", "admin-password-1")
    acknowledged, stop = [], threading.Event()
    lock = threading.Lock()

    def uploader(worker):
        k = 0
        while not stop.is_set():
            k += 1
            csv = "section,period,parameter,concentration,flow_m3s\nS%d,2024-%02d,TP,%.4f,100\n" % (1 + worker % 4, 1 + k % 12, 0.01 + (worker * 1000 + k) / 1e6)
            try:
                status, body = request(server, "/uploads?filename=w%d-%d.csv" % (worker, k), "POST", csv.encode(), admin, "text/csv", timeout=30)
            except OSError:
                return
            if status == 201:
                with lock:
                    acknowledged.append((json.loads(body)["upload"], hashlib.sha256(csv.encode()).hexdigest()))

    threads = [threading.Thread(target=uploader, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    deadline = time.time() + 120
    while time.time() < deadline and len(acknowledged) < 12:
        time.sleep(0.05)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    stop.set()
    for t in threads:
        t.join()
    check("kill: uploads were acknowledged before the kill", len(acknowledged) >= 12, str(len(acknowledged)))
    server = Server(project, port).start()
    admin = login(server, "admin", "admin-password-1")
    uploads = json.loads(request(server, "/uploads", token=admin)[1])["uploads"]
    stored = {u["version"]: u["sha256"] for u in uploads}
    lost = [a for a in acknowledged if stored.get(a[0]) != a[1]]
    check("kill -9: every acknowledged upload is there after the restart", not lost, "lost %s" % lost)
    audit = json.loads(request(server, "/audit", token=admin)[1])["entries"]
    logged = {e["sha256"] for e in audit if e["action"] == "upload"}
    check("kill -9: the audit log has every stored upload", all(u["sha256"] in logged for u in uploads))
    settlements = json.loads(request(server, "/settlements", token=admin)[1])
    check("kill -9: the current settlement includes the last stored upload",
          settlements["versions"][-1]["through_upload"] == max(stored), json.dumps(settlements["versions"][-1]))
    code = server.stop(signal.SIGINT)
    check("SIGINT stops the server cleanly", code == 0, str(code))
    server = Server(project, port).start()
    code = server.stop(signal.SIGTERM)
    check("SIGTERM stops the server cleanly", code == 0, str(code))


def main():
    work = tempfile.mkdtemp(prefix="hydroserve-e2e-")
    try:
        project = make_project(os.path.join(work, "basin"))
        server = Server(project, free_port()).start()
        try:
            openapi_test(server)
        except Exception as e:
            check("openapi test ran", False, repr(e))
        try:
            browser_test(server, work)
        except Exception as e:  # a crash of the browser test counts as one failure
            check("browser test ran", False, repr(e))
        finally:
            server.stop()
        try:
            kill_test(project, free_port())
        except Exception as e:
            check("kill test ran", False, repr(e))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    passed, failed = results.count(True), results.count(False)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not results else 0)


if __name__ == "__main__":
    main()
