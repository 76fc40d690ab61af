import Foundation

/// The map page: layers from the collections, a section's shares on click, a jurisdiction selector
/// showing what the party sent downstream and what it pays or receives, and the monitoring upload.
/// The script builds every text from data with textContent, never as HTML.
enum MapPage {
    static func html(project: String, user: UserAccount, csrf: String) -> String {
        let who = "\(user.name)\(user.jurisdiction.map { " (\($0))" } ?? " (administrator)")"
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <meta name="csrf-token" content="\(Page.escape(csrf))">
        <meta name="user-jurisdiction" content="\(Page.escape(user.jurisdiction ?? ""))">
        <title>\(Page.escape(project)) – map</title>
        <link rel="stylesheet" href="/static/leaflet/leaflet.css">
        <style>
        html,body{height:100%;margin:0;font-family:system-ui,sans-serif;font-size:14px;color:#1b2631}
        #top{background:#17415f;color:#fff;padding:.4em .8em;height:1.6em;line-height:1.6em}#top a{color:#fff}
        #wrap{display:flex;height:calc(100% - 2.4em)}#map{flex:1;background:#eef3f6}
        #side{width:26em;overflow:auto;padding:.6em;border-left:1px solid #ccd;background:#fff}
        h2{font-size:1.05em;margin:.8em 0 .3em}table{border-collapse:collapse;width:100%;font-size:.92em}
        td,th{border-bottom:1px solid #e2e6ea;padding:.15em .3em;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
        .pos{color:#176b2c}.neg{color:#a31515}.muted{color:#667}#upload-status.err{color:#a31515}
        .legend{background:#fff;padding:.3em .5em;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3)}
        .unit-anchor{width:0;height:0}.unit-label{position:absolute;background:rgba(255,255,255,.8);padding:1px 4px;border-radius:3px;font-weight:600;white-space:nowrap;transform:translate(-50%,-50%)}
        .swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle;border:1px solid #555}
        </style></head>
        <body>
        <div id="top"><a href="/">hydrotool</a> · \(Page.escape(project)) · signed in as <span id="who">\(Page.escape(who))</span>
        <form method="post" action="/logout" style="display:inline;float:right"><input type="hidden" name="csrf" value="\(Page.escape(csrf))"><button>Sign out</button></form></div>
        <div id="wrap"><div id="map"></div>
        <aside id="side">
        <h2>Settlement <span id="settlement-version" class="muted"></span></h2>
        <table id="balances"><thead><tr><th>Party</th><th class="n">Pays</th><th class="n">Receives</th><th class="n">Net</th></tr></thead><tbody></tbody></table>
        <h2>Jurisdiction</h2>
        <select id="party"></select>
        <div id="party-info"></div>
        <h2>Section</h2>
        <div id="section-info" class="muted">Click a section on the map.</div>
        <h2>Upload monitoring data</h2>
        <p class="muted">CSV as in the project's monitoring file: section, period, parameter, concentration, flow_m3s.</p>
        <input type="file" id="upload-file" accept=".csv,text/csv"> <button id="upload-button">Upload</button>
        <p id="upload-status"></p>
        </aside></div>
        <script src="/static/leaflet/leaflet.js"></script>
        <script src="/static/map.js"></script>
        </body></html>
        """
    }

    static let script = #"""
    'use strict';
    (function () {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const mine = document.querySelector('meta[name="user-jurisdiction"]').content;
      const state = { jurisdictions: [], ledger: null, settlement: null, layers: {} };

      function el(tag, text, cls) {
        const e = document.createElement(tag);
        if (text !== undefined && text !== null) e.textContent = String(text);
        if (cls) e.className = cls;
        return e;
      }
      function num(v, digits) {
        if (v === null || v === undefined || !isFinite(v)) return '–';
        return Number(v).toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 2 : digits });
      }
      function row(cells) {
        const tr = el('tr');
        cells.forEach(function (c) { const td = el('td', c.text, c.cls); tr.appendChild(td); });
        return tr;
      }
      async function getJSON(url) {
        const r = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
        if (!r.ok) throw new Error(url + ': ' + r.status);
        return r.json();
      }
      async function allItems(id, query) {
        let url = '/collections/' + id + '/items?limit=1000&f=json' + (query || '');
        const features = [];
        while (url) {
          const page = await getJSON(url);
          features.push.apply(features, page.features);
          const next = (page.links || []).find(function (l) { return l.rel === 'next'; });
          url = next ? next.href : null;
        }
        return features;
      }

      const map = L.map('map', { preferCanvas: false });
      const overlays = {};

      function colourForNet(v) {
        if (!isFinite(v) || v === 0) return '#9aa5b1';
        return v > 0 ? '#2e8b57' : '#c0392b';
      }

      function showSection(f) {
        const box = document.getElementById('section-info');
        box.replaceChildren();
        box.className = '';
        const p = f.properties;
        box.appendChild(el('div', p.name + ' (' + p.id + ')')).style.fontWeight = 'bold';
        const loads = el('table');
        Object.keys(p).filter(function (k) { return k.endsWith('_kg_yr'); }).sort().forEach(function (k) {
          loads.appendChild(row([{ text: k.replace('_kg_yr', '') + ' load' }, { text: num(p[k], 1) + ' kg/yr', cls: 'n' }]));
        });
        box.appendChild(loads);
        const shares = p.shares || {};
        Object.keys(shares).forEach(function (level) {
          Object.keys(shares[level]).sort().forEach(function (pollutant) {
            const s = shares[level][pollutant];
            box.appendChild(el('h3', 'Shares of ' + pollutant + ' by ' + level)).style.fontSize = '1em';
            const t = el('table');
            t.className = 'shares';
            const head = el('tr');
            ['Origin', 'Share', 'Interval', 'kg/yr'].forEach(function (h, i) { head.appendChild(el('th', h, i ? 'n' : '')); });
            t.appendChild(head);
            (s.origins || []).slice().sort(function (a, b) { return b.share - a.share; }).forEach(function (o) {
              let interval = 'not calibrated';
              if (Array.isArray(o.interval) && o.interval.length === 2) interval = num(o.interval[0] * 100, 1) + '–' + num(o.interval[1] * 100, 1) + ' %';
              else if (o.share_low !== undefined && o.share_high !== undefined) interval = num(o.share_low * 100, 1) + '–' + num(o.share_high * 100, 1) + ' %';
              t.appendChild(row([{ text: o.name }, { text: num(o.share * 100, 1) + ' %', cls: 'n' }, { text: interval, cls: 'n muted' },
                                 { text: num(o.load_kg_per_yr, 1), cls: 'n' }]));
            });
            box.appendChild(t);
          });
        });
      }

      function showParty(id) {
        const box = document.getElementById('party-info');
        box.replaceChildren();
        if (!id) return;
        const j = state.jurisdictions.find(function (f) { return f.id === id; });
        const entries = (state.ledger || []).map(function (f) { return f.properties; });
        const pays = entries.filter(function (e) { return e.payer === id; });
        const gets = entries.filter(function (e) { return e.payee === id; });
        const paid = pays.reduce(function (a, e) { return a + e.amount; }, 0);
        const received = gets.reduce(function (a, e) { return a + e.amount; }, 0);
        const money = el('table');
        money.id = 'party-money';
        money.appendChild(row([{ text: 'Pays' }, { text: num(paid), cls: 'n neg' }]));
        money.appendChild(row([{ text: 'Receives' }, { text: num(received), cls: 'n pos' }]));
        const net = received - paid;
        money.appendChild(row([{ text: 'Net' }, { text: num(net), cls: 'n ' + (net >= 0 ? 'pos' : 'neg') }]));
        box.appendChild(money);
        if (j) {
          box.appendChild(el('h3', 'Sent downstream (kg/yr)')).style.fontSize = '1em';
          const sent = el('table');
          sent.id = 'party-sent';
          const s = j.properties.sent_downstream || {};
          Object.keys(s).sort().forEach(function (pollutant) {
            s[pollutant].forEach(function (x) {
              sent.appendChild(row([{ text: pollutant }, { text: 'to ' + x.to_name }, { text: num(x.load_kg_yr, 1), cls: 'n' }]));
            });
          });
          if (!sent.childElementCount) sent.appendChild(row([{ text: 'nothing recorded', cls: 'muted' }]));
          box.appendChild(sent);
          const layer = state.layers.jurisdictions;
          if (layer) layer.eachLayer(function (l) {
            l.setStyle({ weight: l.feature.id === id ? 4 : 1, color: l.feature.id === id ? '#17415f' : '#555' });
          });
        }
        box.appendChild(el('h3', 'Ledger entries')).style.fontSize = '1em';
        const t = el('table');
        pays.concat(gets).slice(0, 60).forEach(function (e) {
          t.appendChild(row([{ text: e.period }, { text: e.section }, { text: e.payer === id ? 'pays ' + e.payee : 'from ' + e.payer },
                             { text: num(e.amount), cls: 'n' }]));
        });
        box.appendChild(t);
      }

      async function loadLedger() {
        const [settlements, ledger] = await Promise.all([getJSON('/settlements'), allItems('ledger')]);
        state.ledger = ledger;
        document.getElementById('settlement-version').textContent = 'version ' + settlements.current;
        const sums = {};
        state.names = {};
        ledger.forEach(function (f) {
          const e = f.properties;
          if (e.payer_name) state.names[e.payer] = e.payer_name;
          if (e.payee_name) state.names[e.payee] = e.payee_name;
          (sums[e.payer] = sums[e.payer] || { paid: 0, received: 0 }).paid += e.amount;
          (sums[e.payee] = sums[e.payee] || { paid: 0, received: 0 }).received += e.amount;
        });
        if (state.layers.jurisdictions) state.layers.jurisdictions.eachLayer(function (l) {
          const s = sums[l.feature.id];
          l.setStyle({ fillColor: colourForNet(s ? s.received - s.paid : 0) });
        });
        const body = document.querySelector('#balances tbody');
        body.replaceChildren();
        Object.keys(sums).sort().forEach(function (party) {
          const s = sums[party], net = s.received - s.paid;
          const name = (state.jurisdictions.find(function (f) { return f.id === party; }) || { properties: { name: state.names[party] || party } }).properties.name;
          const tr = row([{ text: name === party ? party : name + ' ' + party }, { text: num(s.paid), cls: 'n' }, { text: num(s.received), cls: 'n' },
                          { text: num(net), cls: 'n ' + (net >= 0 ? 'pos' : 'neg') }]);
          tr.dataset.party = party;
          body.appendChild(tr);
        });
        const select = document.getElementById('party');
        const chosen = select.value || mine;
        select.replaceChildren(el('option', '— choose a party —'));
        select.firstChild.value = '';
        const parties = new Set(state.jurisdictions.map(function (f) { return f.id; }).concat(Object.keys(sums)));
        Array.from(parties).sort().forEach(function (id) {
          const j = state.jurisdictions.find(function (f) { return f.id === id; });
          const o = el('option', j ? j.properties.name + ' (' + id + ')' : (state.names[id] && state.names[id] !== id ? state.names[id] + ' (' + id + ')' : id));
          o.value = id;
          select.appendChild(o);
        });
        select.value = chosen;
        showParty(select.value);
      }

      async function init() {
        const [jur, streams, flux, crossings, sections] = await Promise.all(
          ['jurisdictions', 'streams', 'flux', 'crossings', 'sections'].map(function (id) { return allItems(id); }));
        state.jurisdictions = jur;
        const jl = L.geoJSON({ type: 'FeatureCollection', features: jur }, {
          style: function (f) { return { color: '#555', weight: 1, fillColor: colourForNet(f.properties.net), fillOpacity: 0.25 }; },
          onEachFeature: function (f, l) {
            l.bindTooltip(el('span', f.properties.name + ' (' + f.id + ')'), { sticky: true });
            l.on('click', function () { document.getElementById('party').value = f.id; showParty(f.id); });
          }
        }).addTo(map);
        state.layers.jurisdictions = jl;
        overlays['Jurisdictions'] = jl;
        overlays['Stream links'] = L.geoJSON({ type: 'FeatureCollection', features: streams }, {
          style: function (f) { return { color: '#2874a6', weight: Math.min(6, 0.6 + (f.properties.strahler || 1) * 0.9), opacity: 0.85 }; },
          onEachFeature: function (f, l) {
            const loads = Object.keys(f.properties).filter(function (k) { return k.endsWith('_kg_yr') && !k.includes('_local_'); })
              .map(function (k) { return k.replace('_kg_yr', '') + ' ' + num(f.properties[k], 1) + ' kg/yr'; }).join(', ');
            l.bindTooltip(el('span', 'link ' + f.id + (loads ? ': ' + loads : '')), { sticky: true });
          }
        }).addTo(map);
        overlays['Net flux'] = L.geoJSON({ type: 'FeatureCollection', features: flux }, {
          style: function () { return { color: '#8e44ad', weight: 2, dashArray: '6 4' }; },
          onEachFeature: function (f, l) {
            const p = f.properties;
            l.bindTooltip(el('span', p.from_name + ' → ' + p.to_name + ' ' + p.pollutant + ': ' + num(p.load_kg_yr, 1) + ' kg/yr (net ' + num(p.net_kg_yr, 1) + ')'), { sticky: true });
          }
        });
        overlays['Border crossings'] = L.geoJSON({ type: 'FeatureCollection', features: crossings }, {
          pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 3, color: '#d35400', weight: 1, fillOpacity: 0.8 }); },
          onEachFeature: function (f, l) { l.bindTooltip(el('span', f.properties.from_name + ' → ' + f.properties.to_name)); }
        });
        const sl = L.geoJSON({ type: 'FeatureCollection', features: sections }, {
          pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 8, color: '#17415f', weight: 2, fillColor: '#f1c40f', fillOpacity: 0.95 }); },
          onEachFeature: function (f, l) {
            l.bindTooltip(el('span', f.properties.name), { permanent: false });
            l.on('click', function () { showSection(f); });
            if (l.getElement) l.on('add', function () { const e = l.getElement(); if (e) e.setAttribute('data-section', f.id); });
          }
        }).addTo(map);
        overlays['Sections'] = sl;
        L.control.layers(null, overlays, { collapsed: false }).addTo(map);
        const legend = L.control({ position: 'bottomleft' });
        legend.onAdd = function () {
          const box = el('div', null, 'legend');
          [['#2e8b57', 'receives more than it pays'], ['#c0392b', 'pays more than it receives'], ['#f1c40f', 'assessment section']].forEach(function (x) {
            const line = el('div');
            const sw = el('span', null, 'swatch');
            sw.style.background = x[0];
            line.appendChild(sw);
            line.appendChild(document.createTextNode(x[1]));
            box.appendChild(line);
          });
          return box;
        };
        legend.addTo(map);
        const bounds = jl.getBounds().isValid() ? jl.getBounds() : sl.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] }); else map.setView([27, 106], 7);
        // Names near the top of each unit, clear of the river and its sections.
        jl.eachLayer(function (l) {
          const b = l.getBounds();
          const at = L.latLng(b.getNorth() - (b.getNorth() - b.getSouth()) * 0.08, b.getCenter().lng);
          const marker = L.marker(at, { interactive: false, keyboard: false, icon: L.divIcon({ className: 'unit-anchor', html: '', iconSize: null }) }).addTo(map);
          marker.getElement().appendChild(el('span', l.feature.properties.name + ' (' + l.feature.id + ')', 'unit-label'));
        });
        sl.eachLayer(function (l) { const e = l.getElement && l.getElement(); if (e) e.setAttribute('data-section', l.feature.id); });
        document.getElementById('party').addEventListener('change', function (e) { showParty(e.target.value); });
        await loadLedger();
        document.body.setAttribute('data-ready', 'true');
      }

      document.getElementById('upload-button').addEventListener('click', async function () {
        const status = document.getElementById('upload-status');
        const file = document.getElementById('upload-file').files[0];
        status.className = '';
        if (!file) { status.textContent = 'Choose a CSV file first.'; status.className = 'err'; return; }
        status.textContent = 'Uploading ' + file.name + ' …';
        const text = await file.text();
        const r = await fetch('/uploads?filename=' + encodeURIComponent(file.name), {
          method: 'POST', credentials: 'same-origin', body: text,
          headers: { 'Content-Type': 'text/csv', 'X-CSRF-Token': csrf, Accept: 'application/json' }
        });
        let answer = {};
        try { answer = await r.json(); } catch (e) { answer = {}; }
        if (r.ok) {
          status.textContent = 'Upload ' + answer.upload + ' accepted (' + answer.rows + ' rows): settlement version ' + answer.settlement_version + '.';
          await loadLedger();
          status.setAttribute('data-settlement', String(answer.settlement_version));
        } else {
          status.className = 'err';
          status.textContent = 'Refused (' + r.status + '): ' + ((answer.error && answer.error.message) || r.statusText);
        }
      });

      init().catch(function (e) {
        const status = document.getElementById('upload-status');
        status.className = 'err';
        status.textContent = 'The map could not load its data: ' + e.message;
      });
    })();
    """#
}
