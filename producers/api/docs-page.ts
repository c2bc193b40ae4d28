/*
 * GET /docs: an interactive reference of the API, rendered in the browser from GET /openapi.json
 * by the small script below. Everything is served by this Worker (no CDN: a sale's venue may be
 * offline), and the page's Content-Security-Policy allows scripts, styles and requests from this
 * origin only. The key typed into the page stays in the tab (sessionStorage) and is sent only to
 * this origin, with the requests "Try it" makes.
 */

export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Consignment sale API · reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/docs.css">
<script src="/docs/docs.js" defer></script>
</head>
<body>
<header>
  <h1>Consignment sale API</h1>
  <label>API key <input id="key" type="password" autocomplete="off" spellcheck="false" placeholder="sent as Authorization: Bearer …"></label>
  <button id="forget" type="button">Forget</button>
  <a href="/openapi.json">openapi.json</a>
</header>
<div id="layout">
  <nav><input id="filter" type="search" placeholder="Filter routes" aria-label="Filter routes"><div id="toc"></div></nav>
  <main id="main"><p>Loading /openapi.json…</p></main>
</div>
</body>
</html>
`;

export const DOCS_CSS = String.raw`
:root { --fg: #1d2329; --muted: #5b6570; --line: #d9dee3; --bg: #fff; --soft: #f4f6f8; --accent: #1f5fae; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { position: sticky; top: 0; z-index: 2; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; padding: 8px 16px; background: #10263f; color: #fff; }
header h1 { font-size: 16px; margin: 0 auto 0 0; }
header a { color: #cfe2ff; }
header input { width: 22em; margin-left: 6px; padding: 4px 6px; border-radius: 4px; border: 1px solid #6b7f95; }
button { cursor: pointer; padding: 4px 10px; border-radius: 4px; border: 1px solid #8895a3; background: var(--soft); color: var(--fg); }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
#layout { display: grid; grid-template-columns: 300px 1fr; }
nav { position: sticky; top: 46px; align-self: start; height: calc(100vh - 46px); overflow: auto; padding: 10px; border-right: 1px solid var(--line); background: var(--soft); }
nav input { width: 100%; padding: 5px 7px; margin-bottom: 8px; border: 1px solid var(--line); border-radius: 4px; }
nav h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 12px 0 4px; }
nav a { display: block; padding: 2px 4px; color: var(--fg); text-decoration: none; border-radius: 3px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
nav a:hover { background: #e3e8ee; }
main { padding: 16px 28px 80px; max-width: 1100px; min-width: 0; }
main h2 { margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.intro { color: var(--fg); }
code, pre, .path { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
code { background: var(--soft); padding: 0 3px; border-radius: 3px; }
pre { background: var(--soft); padding: 8px; border-radius: 4px; overflow: auto; max-height: 480px; }
details.op { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; background: #fff; }
details.op > summary { cursor: pointer; padding: 7px 10px; display: flex; gap: 10px; align-items: baseline; list-style: none; }
details.op > summary::-webkit-details-marker { display: none; }
details.op[open] > summary { border-bottom: 1px solid var(--line); background: var(--soft); }
.op-body { padding: 4px 14px 14px; }
.method { display: inline-block; min-width: 58px; text-align: center; font-weight: 700; font-size: 11px; padding: 2px 6px; border-radius: 3px; color: #fff; }
.m-get { background: #1f7a4d; } .m-post { background: #1f5fae; } .m-put { background: #a0620c; } .m-patch { background: #6e4bb3; } .m-delete { background: #b3261e; }
.summary { color: var(--muted); }
.roles { font-size: 12px; color: var(--muted); margin-left: auto; white-space: nowrap; }
h4 { margin: 14px 0 6px; font-size: 13px; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; vertical-align: top; padding: 4px 6px; border-bottom: 1px solid var(--line); }
td p, .schema > div > p { margin: 0 0 4px; }
.responses > details { margin: 2px 0; }
.responses > details > :not(summary) { margin-left: 18px; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
.req { color: #b3261e; font-weight: 700; }
.type { font-family: ui-monospace, monospace; font-size: 12px; color: #6e4bb3; }
.constraint { font-size: 12px; color: var(--muted); }
.schema { border-left: 2px solid var(--line); padding-left: 8px; margin: 4px 0; }
.schema details > summary { cursor: pointer; color: var(--accent); font-size: 12px; }
.status { font-weight: 700; font-family: ui-monospace, monospace; }
.s2 { color: #1f7a4d; } .s4 { color: #a0620c; } .s5 { color: #b3261e; }
.try { margin-top: 14px; padding: 10px; border: 1px dashed #8fa8c4; border-radius: 6px; background: #f7faff; }
.try label { display: grid; grid-template-columns: 170px 1fr; gap: 8px; align-items: center; margin: 4px 0; }
.try input, .try textarea, .try select { width: 100%; padding: 4px 6px; border: 1px solid var(--line); border-radius: 4px; font-family: ui-monospace, monospace; font-size: 12.5px; }
.try textarea { min-height: 140px; }
.result { margin-top: 10px; }
.hidden { display: none; }
@media (max-width: 800px) { #layout { grid-template-columns: 1fr; } nav { position: static; height: auto; } }
`;

export const DOCS_JS = String.raw`"use strict";
(function () {
  var KEY_STORE = "consignment-api-key";
  var spec = null;
  var main = document.getElementById("main");
  var toc = document.getElementById("toc");
  var keyInput = document.getElementById("key");
  var filter = document.getElementById("filter");

  keyInput.value = sessionStorage.getItem(KEY_STORE) || "";
  keyInput.addEventListener("input", function () { sessionStorage.setItem(KEY_STORE, keyInput.value.trim()); });
  document.getElementById("forget").addEventListener("click", function () { keyInput.value = ""; sessionStorage.removeItem(KEY_STORE); });

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c !== null && c !== undefined) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  // A little Markdown: paragraphs, "- " lists, **bold**, backticked code.
  function inline(text) {
    var out = document.createDocumentFragment();
    var re = /(\x60[^\x60]+\x60|\*\*[^*]+\*\*)/g, last = 0, m;
    while ((m = re.exec(text))) {
      if (m.index > last) out.appendChild(document.createTextNode(text.slice(last, m.index)));
      var t = m[0];
      out.appendChild(t.charAt(0) === "\x60" ? el("code", { text: t.slice(1, -1) }) : el("strong", { text: t.slice(2, -2) }));
      last = m.index + t.length;
    }
    if (last < text.length) out.appendChild(document.createTextNode(text.slice(last)));
    return out;
  }
  function markdown(text) {
    var box = el("div");
    (text || "").split(/\n\s*\n/).forEach(function (block) {
      var lines = block.split("\n");
      if (lines.every(function (l) { return /^\s*- /.test(l) || !l.trim(); })) {
        var ul = el("ul");
        lines.forEach(function (l) { if (l.trim()) ul.appendChild(el("li", null, [inline(l.replace(/^\s*- /, ""))])); });
        box.appendChild(ul);
      } else box.appendChild(el("p", null, [inline(block)]));
    });
    return box;
  }

  function resolve(schema) {
    var seen = 0;
    while (schema && schema.$ref && seen++ < 20) {
      var parts = schema.$ref.replace(/^#\//, "").split("/"), node = spec;
      parts.forEach(function (p) { node = node && node[p]; });
      var rest = Object.assign({}, schema); delete rest.$ref;
      schema = Object.assign({}, node || {}, rest);
    }
    return schema || {};
  }
  function refName(schema) { return schema && schema.$ref ? schema.$ref.split("/").pop() : null; }

  function typeLabel(schema) {
    if (!schema) return "any";
    if (schema.$ref && Object.keys(schema).length === 1) return refName(schema);
    var s = resolve(schema);
    if ("const" in s) return JSON.stringify(s.const);
    if (s.enum) return s.enum.map(function (v) { return JSON.stringify(v); }).join(" | ");
    var alts = s.anyOf || s.oneOf;
    if (alts) return alts.map(typeLabel).join(" | ");
    var t = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (t.indexOf("array") >= 0) return typeLabel(s.items) + "[]" + (t.indexOf("null") >= 0 ? " | null" : "");
    if (t.length === 0) return s.properties ? "object" : "any";
    return t.join(" | ");
  }
  function constraints(s) {
    var out = [];
    ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "pattern", "default", "format"].forEach(function (k) {
      if (s[k] !== undefined) out.push(k + ": " + (typeof s[k] === "string" ? s[k] : JSON.stringify(s[k])));
    });
    if (s.items) { var i = resolve(s.items); ["minimum", "maximum", "pattern", "maxLength"].forEach(function (k) { if (i[k] !== undefined) out.push("items " + k + ": " + i[k]); }); }
    return out.join(", ");
  }
  function nested(schema) {
    var s = resolve(schema);
    if (s.type === "array" || (Array.isArray(s.type) && s.type.indexOf("array") >= 0)) return nested(s.items);
    var alts = s.anyOf || s.oneOf;
    if (alts) { var objs = alts.filter(function (a) { return resolve(a).properties; }); return objs.length ? objs : null; }
    return s.properties ? [schema] : null;
  }

  // A schema as a table of its properties, nested objects folded.
  function schemaView(schema, depth, seen) {
    depth = depth || 0; seen = seen || [];
    var s = resolve(schema), box = el("div", { class: "schema" });
    if (s.description && depth === 0) box.appendChild(markdown(s.description));
    var alts = s.anyOf || s.oneOf;
    if (!s.properties && alts) {
      box.appendChild(el("div", { class: "constraint", text: "One of:" }));
      alts.forEach(function (a) { box.appendChild(schemaView(a, depth + 1, seen)); });
      return box;
    }
    if (!s.properties) {
      box.appendChild(el("div", null, [el("span", { class: "type", text: typeLabel(schema) }), " ", el("span", { class: "constraint", text: constraints(s) })]));
      if (s.type === "array" && nested(s.items)) box.appendChild(schemaView(s.items, depth + 1, seen));
      return box;
    }
    var required = s.required || [];
    var table = el("table", null, [el("tr", null, [el("th", { text: "field" }), el("th", { text: "type" }), el("th", { text: "description" })])]);
    Object.keys(s.properties).forEach(function (name) {
      var p = s.properties[name], rp = resolve(p);
      var cell = el("td", null, [rp.description ? markdown(rp.description) : null, el("div", { class: "constraint", text: constraints(rp) })]);
      var inner = nested(p);
      var ref = refName(p) || (rp.items && refName(rp.items));
      if (inner && depth < 6 && (!ref || seen.indexOf(ref) < 0)) {
        var d = el("details", null, [el("summary", { text: "fields" })]);
        d.addEventListener("toggle", function once() {
          if (d.open && d.children.length === 1) inner.forEach(function (n) { d.appendChild(schemaView(n, depth + 1, ref ? seen.concat([ref]) : seen)); });
        });
        cell.appendChild(d);
      }
      table.appendChild(el("tr", null, [
        el("td", null, [el("code", { text: name }), required.indexOf(name) >= 0 ? el("span", { class: "req", text: " *" }) : null]),
        el("td", { class: "type", text: typeLabel(p) }),
        cell,
      ]));
    });
    box.appendChild(table);
    return box;
  }

  // A value that fits the schema: what "Try it" starts from.
  function example(schema, depth) {
    var s = resolve(schema);
    if ((depth || 0) > 8) return null;
    if ("const" in s) return s.const;
    if (s.default !== undefined) return s.default;
    if (s.enum) return s.enum[0];
    var alts = s.anyOf || s.oneOf;
    if (alts) { var first = alts.filter(function (a) { return resolve(a).type !== "null"; })[0]; return example(first || alts[0], (depth || 0) + 1); }
    var t = Array.isArray(s.type) ? s.type.filter(function (x) { return x !== "null"; })[0] : s.type;
    if (!t && s.properties) t = "object";
    if (t === "object") {
      var o = {}, req = s.required || [], keys = Object.keys(s.properties || {});
      keys.forEach(function (k) { if (req.indexOf(k) >= 0 || req.length === 0) o[k] = example(s.properties[k], (depth || 0) + 1); });
      return o;
    }
    if (t === "array") { var n = Math.max(1, s.minItems || 0), arr = []; for (var i = 0; i < n; i++) arr.push(example(s.items, (depth || 0) + 1)); return arr; }
    if (t === "string") {
      if (s.pattern && s.pattern.indexOf("[0-9a-fA-F]{8}-") >= 0) return crypto.randomUUID();
      if (s.pattern && s.pattern.indexOf("A-Za-z0-9") >= 0) return "id1";
      return "text";
    }
    if (t === "integer" || t === "number") return s.minimum !== undefined ? s.minimum : 0;
    if (t === "boolean") return false;
    return null;
  }

  function statusClass(code) { return "status s" + String(code).charAt(0); }

  function tryIt(path, method, op) {
    var box = el("div", { class: "try" }, [el("h4", { text: "Try it" })]);
    var fields = [];
    (op.parameters || []).map(function (p) { return p.$ref ? resolve(p) : p; }).forEach(function (p) {
      if (p.in === "header" && p.name === "X-Request-Id") return;
      var input = el("input", { placeholder: p.required ? "required" : "optional" });
      var sch = resolve(p.schema);
      if (p.in === "path" && sch.pattern && sch.pattern.indexOf("[0-9a-fA-F]{8}-") >= 0) input.placeholder = "a UUID";
      fields.push({ p: p, input: input });
      box.appendChild(el("label", null, [el("span", null, [el("code", { text: p.name }), " (" + p.in + ")"]), input]));
    });
    var body = null;
    if (op.requestBody) {
      var media = op.requestBody.content && op.requestBody.content["application/json"];
      body = el("textarea", { spellcheck: "false" });
      body.value = media ? JSON.stringify(example(media.schema), null, 2) : "";
      if (!op.requestBody.required) body.value = "";
      box.appendChild(el("label", null, [el("span", { text: "JSON body" }), body]));
    }
    var send = el("button", { class: "primary", type: "button", text: "Send " + method.toUpperCase() });
    var result = el("div", { class: "result" });
    box.appendChild(send);
    box.appendChild(result);
    send.addEventListener("click", function () {
      var url = path, query = new URLSearchParams(), headers = {}, missing = [];
      fields.forEach(function (f) {
        var v = f.input.value.trim();
        if (!v) { if (f.p.required) missing.push(f.p.name); return; }
        if (f.p.in === "path") url = url.replace("{" + f.p.name + "}", encodeURIComponent(v));
        else if (f.p.in === "query") query.set(f.p.name, v);
        else if (f.p.in === "header") headers[f.p.name] = v;
      });
      result.textContent = "";
      if (missing.length) { result.appendChild(el("p", { class: "s4", text: "Fill in: " + missing.join(", ") })); return; }
      var key = keyInput.value.trim();
      if (key && !(op.security && op.security.length === 0)) headers.Authorization = "Bearer " + key;
      var init = { method: method.toUpperCase(), headers: headers };
      if (body && body.value.trim()) { headers["Content-Type"] = "application/json"; init.body = body.value; }
      var qs = query.toString();
      var started = performance.now();
      result.appendChild(el("p", { text: init.method + " " + url + (qs ? "?" + qs : "") + " …" }));
      fetch(url + (qs ? "?" + qs : ""), init).then(function (res) {
        var ms = Math.round(performance.now() - started);
        var type = res.headers.get("Content-Type") || "";
        var shown = ["X-Request-Id", "Idempotent-Replayed", "Retry-After", "WWW-Authenticate", "Content-Type", "Content-Disposition"]
          .filter(function (h) { return res.headers.get(h) !== null; })
          .map(function (h) { return h + ": " + res.headers.get(h); }).join("\n");
        result.textContent = "";
        result.appendChild(el("p", null, [el("span", { class: statusClass(res.status), text: res.status + " " + res.statusText }), " in " + ms + " ms"]));
        result.appendChild(el("pre", { text: shown }));
        if (type.indexOf("json") >= 0) return res.text().then(function (t) { var v = t; try { v = JSON.stringify(JSON.parse(t), null, 2); } catch (e) {} result.appendChild(el("pre", { text: v })); });
        if (type.indexOf("text/") === 0) return res.text().then(function (t) { result.appendChild(el("pre", { text: t })); });
        return res.blob().then(function (b) {
          var a = el("a", { href: URL.createObjectURL(b), download: "", text: "Download (" + b.size + " bytes, " + type + ")" });
          result.appendChild(a);
        });
      }).catch(function (e) { result.textContent = String(e); });
    });
    return box;
  }

  function operationView(path, method, op) {
    var roles = op["x-roles"] && op["x-roles"].length ? op["x-roles"].join(", ") : (op.security && op.security.length === 0 ? "no key" : "signed");
    var d = el("details", { class: "op", id: op.operationId }, [
      el("summary", null, [el("span", { class: "method m-" + method, text: method.toUpperCase() }), el("span", { class: "path", text: path }), el("span", { class: "summary", text: op.summary || "" }), el("span", { class: "roles", text: roles })]),
    ]);
    d.addEventListener("toggle", function () {
      if (!d.open || d.querySelector(".op-body")) return;
      var b = el("div", { class: "op-body" });
      if (op.description) b.appendChild(markdown(op.description));
      var params = (op.parameters || []).map(function (p) { return p.$ref ? resolve(p) : p; });
      if (params.length) {
        b.appendChild(el("h4", { text: "Parameters" }));
        var t = el("table", null, [el("tr", null, [el("th", { text: "name" }), el("th", { text: "in" }), el("th", { text: "type" }), el("th", { text: "description" })])]);
        params.forEach(function (p) {
          var s = resolve(p.schema);
          t.appendChild(el("tr", null, [el("td", null, [el("code", { text: p.name }), p.required ? el("span", { class: "req", text: " *" }) : null]), el("td", { text: p.in }), el("td", { class: "type", text: typeLabel(p.schema) }), el("td", null, [markdown(p.description || s.description || ""), el("div", { class: "constraint", text: constraints(s) })])]));
        });
        b.appendChild(t);
      }
      if (op.requestBody) {
        var content = op.requestBody.content || {};
        b.appendChild(el("h4", { text: "Body" + (op.requestBody.required ? "" : " (optional)") + ": " + Object.keys(content).join(", ") + (content["application/json"] && refName(content["application/json"].schema) ? " · " + refName(content["application/json"].schema) : "") }));
        if (content["application/json"]) b.appendChild(schemaView(content["application/json"].schema));
      }
      b.appendChild(el("h4", { text: "Responses" }));
      var responses = el("div", { class: "responses" });
      b.appendChild(responses);
      Object.keys(op.responses || {}).forEach(function (code) {
        var r = resolve(op.responses[code]), content = r.content || {}, types = Object.keys(content);
        var json0 = content["application/json"], codes = null;
        try { codes = json0.schema.properties.error.properties.code.enum; } catch (e) {}
        var line = codes ? codes.join(", ") : (r.description || "").split("\n")[0].slice(0, 160);
        var row = el("details", null, [el("summary", null, [el("span", { class: statusClass(code), text: code }), " ", inline(line), types.length && !codes ? " · " + types.join(", ") : ""])]);
        row.addEventListener("toggle", function () {
          if (!row.open || row.children.length > 1) return;
          row.appendChild(markdown(r.description || ""));
          var json = content["application/json"];
          if (json && json.schema) row.appendChild(schemaView(json.schema));
          if (r.headers) Object.keys(r.headers).forEach(function (h) { var hd = resolve(r.headers[h]); row.appendChild(el("div", { class: "constraint" }, [el("code", { text: h }), " ", inline(hd.description || "")])); });
        });
        responses.appendChild(row);
      });
      b.appendChild(tryIt(path, method, op));
      d.appendChild(b);
    });
    return d;
  }

  function render() {
    main.textContent = "";
    toc.textContent = "";
    main.appendChild(el("div", { class: "intro" }, [el("h2", { text: spec.info.title + " (version " + spec.info.version + ")" }), markdown(spec.info.description || "")]));
    var byTag = {};
    (spec.tags || []).forEach(function (t) { byTag[t.name] = { tag: t, ops: [] }; });
    Object.keys(spec.paths).forEach(function (path) {
      Object.keys(spec.paths[path]).forEach(function (method) {
        var op = spec.paths[path][method], tag = (op.tags && op.tags[0]) || "Other";
        (byTag[tag] = byTag[tag] || { tag: { name: tag }, ops: [] }).ops.push({ path: path, method: method, op: op });
      });
    });
    Object.keys(byTag).forEach(function (name) {
      var group = byTag[name];
      if (!group.ops.length) return;
      main.appendChild(el("h2", { id: "tag-" + name, text: name }));
      if (group.tag.description) main.appendChild(markdown(group.tag.description));
      toc.appendChild(el("h3", { text: name }));
      group.ops.forEach(function (o) {
        main.appendChild(operationView(o.path, o.method, o.op));
        var link = el("a", { href: "#" + o.op.operationId, title: o.method.toUpperCase() + " " + o.path + " · " + (o.op.summary || "") }, [el("span", { class: "method m-" + o.method, text: o.method.toUpperCase() }), " " + (o.op.summary || o.path)]);
        link.dataset.search = (o.method + " " + o.path + " " + (o.op.summary || "") + " " + name).toLowerCase();
        toc.appendChild(link);
      });
    });
    openFromHash();
  }

  function openFromHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
  }
  window.addEventListener("hashchange", openFromHash);
  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    Array.prototype.forEach.call(toc.querySelectorAll("a"), function (a) { a.classList.toggle("hidden", q !== "" && a.dataset.search.indexOf(q) < 0); });
  });

  fetch("/openapi.json").then(function (r) { return r.json(); }).then(function (doc) { spec = doc; render(); })
    .catch(function (e) { main.textContent = "Could not load /openapi.json: " + e; });
})();
`;
