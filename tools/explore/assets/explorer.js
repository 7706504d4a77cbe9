// The attention explorer: heatmap with hover, head view, model view, from the views embedded in the page.
// Written for this project (no library, no network). Data: <script id="explorer-data"> (tools/explore/page.py),
// views as in tools/explore/payload.py: float32 values (exact, for reading), uint8 colours (byte/255 × top).
// In the app's frame (ui/explorer.py) the page also talks to the app by postMessage: it asks for a view it does
// not hold ({explorer: "view", key}), says its height ({explorer: "height"}), and takes the app's language.
// There its views come by message too ({explorer: "bundle"}): a 2 MB srcdoc would take the frame far longer.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("explorer-data").textContent);
  let packed = null, meta = null, thumbs = null; // the bundle: in the page, or sent by the app
  const root = document.getElementById("explorer");
  const HEAD_LINES = 5; // lines per query in the head view of a long text
  const MAX_ALL_LINES = 64; // up to this many tokens, the head view draws every line
  const FETCHED_KEPT = 12; // views fetched from the app kept in this page (about 1.3 MB each at 512 tokens)
  const CLIP_PERCENTILE = 0.95; // the "clip" contrast puts the top of the colour scale at this quantile
  const inApp = window.parent !== window;

  const state = {
    language: data.language, layer: 0, head: null, exclude: false, words: false,
    tab: "heatmap", token: null, hover: null, contrast: "linear", server: false,
  };
  const decoded = {};
  const pending = {}; // key -> true while the app is asked for that view
  const failed = {}; // key -> why the app could not give it
  const fetched = []; // keys of the views the app sent, oldest first

  // --- words -------------------------------------------------------------------------------------------
  function t(key, values) {
    const template = data.texts[key][state.language];
    return template.replace(/\{(\w+)\}/g, (_, name) => (values && name in values ? String(values[name]) : "{" + name + "}"));
  }

  // --- data --------------------------------------------------------------------------------------------
  function parseKey(name) {
    const [layer, head, flags] = name.split(":");
    return { layer: Number(layer), head: head === "mean" ? null : Number(head), exclude: flags[0] === "1",
      words: flags[1] === "1" };
  }
  function keyOf(s) {
    const words = s.words && !meta.words_change_nothing;
    return s.layer + ":" + (s.head === null ? "mean" : s.head) + ":" + (s.exclude ? 1 : 0) + (words ? 1 : 0);
  }
  function bytesOf(b64) {
    const raw = atob(b64);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function view() {
    const key = keyOf(state);
    if (!(key in packed.views)) {
      if (state.server && !pending[key] && !failed[key]) {
        pending[key] = true;
        window.parent.postMessage({ explorer: "view", key, language: state.language }, "*");
      }
      return null;
    }
    if (!(key in decoded)) {
      const v = packed.views[key];
      decoded[key] = { ...v, weights: new Float32Array(bytesOf(v.values).buffer), shades: bytesOf(v.colours) };
    }
    return decoded[key];
  }

  // --- colour: a perceptual dark-blue → green → yellow ramp, 256 steps ---------------------------------------
  const RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const LUT = new Uint8Array(256 * 3);
  for (let b = 0; b < 256; b++) {
    const x = (b / 255) * (RAMP.length - 1);
    const i = Math.min(Math.floor(x), RAMP.length - 2);
    const f = x - i;
    for (let c = 0; c < 3; c++) LUT[b * 3 + c] = Math.round(RAMP[i][c] + f * (RAMP[i + 1][c] - RAMP[i][c]));
  }
  // contrast: how a weight x (as a share of the scale's top, 0..1) becomes a shade; hover always reads the weight
  function transfer(x) {
    if (state.contrast === "sqrt") return Math.sqrt(Math.max(0, x));
    return Math.min(1, Math.max(0, x));
  }
  function quantile(values, q) {
    const sorted = Float32Array.from(values).sort();
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }
  function scaleTop(v) { // the weight drawn brightest under the current contrast
    if (state.contrast !== "clip") return v.colour_scale.top;
    if (v.clipTop === undefined) v.clipTop = Math.max(quantile(v.weights, CLIP_PERCENTILE), 1e-6);
    return v.clipTop;
  }
  function shadesOf(v) {
    if (state.contrast === "linear") return v.shades;
    v.contrasted = v.contrasted || {};
    if (!v.contrasted[state.contrast]) {
      const top = scaleTop(v), out = new Uint8Array(v.weights.length);
      for (let p = 0; p < out.length; p++) out[p] = Math.round(255 * transfer(v.weights[p] / top));
      v.contrasted[state.contrast] = out;
    }
    return v.contrasted[state.contrast];
  }
  function thumbShades(pixels) { // thumbnails carry only bytes: the same transfer on byte / 255
    if (state.contrast === "linear") return pixels;
    const top = state.contrast === "clip" ? Math.max(1, quantile(pixels, CLIP_PERCENTILE)) : 255;
    return pixels.map((b) => Math.round(255 * transfer(b / top)));
  }
  function paint(shades, side) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = side;
    const context = canvas.getContext("2d");
    const image = context.createImageData(side, side);
    for (let p = 0; p < side * side; p++) {
      image.data.set(LUT.subarray(shades[p] * 3, shades[p] * 3 + 3), p * 4);
      image.data[p * 4 + 3] = 255;
    }
    context.putImageData(image, 0, 0);
    return canvas;
  }

  // --- page structure ----------------------------------------------------------------------------------
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child);
    return node;
  }
  const ui = {};
  function build() {
    root.replaceChildren();
    ui.title = el("h2", { id: "title" });
    ui.summary = el("p", { id: "summary", class: "muted" });
    ui.language = el("select", { id: "ui-language", onchange: () => { state.language = ui.language.value; build(); } },
      el("option", { value: "en", text: "English" }), el("option", { value: "ja", text: "日本語" }));
    ui.language.value = state.language;
    ui.layer = el("select", { id: "layer", onchange: () => { state.layer = Number(ui.layer.value); update(); } });
    for (const layer of meta.kept_layers) ui.layer.append(el("option", { value: layer, text: String(layer) }));
    ui.head = el("select", { id: "head", onchange: () => {
      state.head = ui.head.value === "mean" ? null : Number(ui.head.value); update(); } });
    ui.head.append(el("option", { value: "mean", text: t("mean_of_heads") }));
    for (let h = 0; h < meta.num_heads; h++) ui.head.append(el("option", { value: h, text: String(h) }));
    ui.exclude = el("input", { type: "checkbox", id: "exclude-special", onchange: () => {
      state.exclude = ui.exclude.checked; state.token = null; update(); } });
    ui.words = el("input", { type: "checkbox", id: "words", onchange: () => {
      state.words = ui.words.checked; state.token = null; update(); } });
    ui.token = el("select", { id: "token", onchange: () => {
      state.token = ui.token.value === "" ? null : Number(ui.token.value); update(); } });
    ui.contrast = el("select", { id: "contrast", onchange: () => { state.contrast = ui.contrast.value; update(); } },
      ...["linear", "sqrt", "clip"].map((name) => el("option", { value: name, text: t("contrast_" + name) })));
    const controls = el("div", { class: "controls" },
      el("label", {}, t("layer") + " ", ui.layer), el("label", {}, t("head") + " ", ui.head),
      el("label", {}, t("token") + " ", ui.token),
      el("label", { class: "switch" }, ui.exclude, " " + t("exclude_special")),
      el("label", { class: "switch" }, ui.words, " " + t("words")),
      el("label", {}, t("contrast") + " ", ui.contrast),
      el("label", { class: "language" }, t("language") + " ", ui.language));
    ui.tabs = {};
    const tabs = el("div", { class: "tabs", role: "tablist" });
    for (const [name, label] of [["heatmap", "tab_heatmap"], ["heads", "tab_heads"], ["model", "tab_model"]]) {
      ui.tabs[name] = el("button", { id: "tab-" + name, role: "tab", type: "button", text: t(label),
        onclick: () => { state.tab = name; update(); } });
      tabs.append(ui.tabs[name]);
    }
    ui.note = el("p", { id: "note", class: "muted" });
    ui.missing = el("p", { id: "missing", class: "warning" });
    ui.readout = el("p", { id: "readout", text: t("hover_hint") });
    ui.canvas = el("canvas", { id: "heatmap", tabindex: "0" });
    ui.canvas.addEventListener("mousemove", (event) => hover(cellAt(event)));
    ui.canvas.addEventListener("mouseleave", () => hover(null));
    ui.canvas.addEventListener("click", (event) => { const cell = cellAt(event); if (cell) pick(cell.i); });
    ui.canvas.addEventListener("keydown", keyboard);
    ui.scale = el("p", { id: "scale", class: "muted" });
    ui.info = el("div", { id: "token-info" });
    ui.panels = {
      heatmap: el("div", { id: "panel-heatmap", role: "tabpanel" }, ui.readout, el("div", { class: "scroll" }, ui.canvas),
        ui.scale, ui.info),
      heads: el("div", { id: "panel-heads", role: "tabpanel" }),
      model: el("div", { id: "panel-model", role: "tabpanel" }),
    };
    root.append(ui.title, ui.summary, controls, tabs, ui.note, ui.missing, ...Object.values(ui.panels));
    update();
  }

  // --- drawing -----------------------------------------------------------------------------------------
  let geometry = null; // where the cells of the heatmap lie on its canvas
  function update() {
    ui.title.textContent = t("title");
    const extra = meta.truncated ? " · " + t("truncated", { tokens: meta.tokens.length }) : "";
    ui.summary.textContent = t("summary", { model: meta.model, layers: meta.num_layers, heads: meta.num_heads,
      tokens: meta.tokens.length }) + extra + " · " +
      t(state.server && packed.views_left_out > 0 ? "views_from_app" : "views_in_page", { count: Object.keys(packed.views).length - fetched.length });
    ui.layer.value = state.layer;
    ui.head.value = state.head === null ? "mean" : state.head;
    ui.exclude.checked = state.exclude;
    ui.words.checked = state.words;
    ui.contrast.value = state.contrast;
    ui.note.textContent = state.words && meta.words_change_nothing ? t("every_token_a_word") : "";
    for (const [name, button] of Object.entries(ui.tabs)) {
      button.setAttribute("aria-selected", String(name === state.tab));
      ui.panels[name].hidden = name !== state.tab;
    }
    const v = view();
    ui.missing.hidden = v !== null || state.tab === "model";
    if (v === null) {
      const key = keyOf(state);
      if (pending[key]) ui.missing.textContent = t("loading");
      else if (failed[key]) ui.missing.textContent = t("view_failed", { reason: failed[key] });
      else ui.missing.textContent = t("missing", { left: packed.views_left_out, layer: state.layer,
        head: state.head === null ? "None" : state.head });
    }
    fillTokens(v);
    readout(v);
    if (state.tab === "heatmap") drawHeatmap(v);
    else if (state.tab === "heads") drawHeads(v);
    else drawModel();
  }

  function fillTokens(v) {
    if (v === null) return; // a view on its way from the app: the token list stays as it is
    const labels = v.labels;
    const wanted = [""].concat(labels.map((_, i) => String(i)));
    const have = Array.from(ui.token.options, (option) => option.value);
    if (have.join("|") !== wanted.join("|") || ui.token.dataset.labels !== labels.join("\u0001")) {
      ui.token.replaceChildren(el("option", { value: "", text: t("no_token") }),
        ...labels.map((label, i) => el("option", { value: i, text: i + " " + label })));
      ui.token.dataset.labels = labels.join("\u0001");
    }
    if (state.token !== null && state.token >= labels.length) state.token = null;
    ui.token.value = state.token === null ? "" : String(state.token);
  }

  function drawHeatmap(v) {
    ui.canvas.hidden = v === null;
    ui.scale.textContent = "";
    ui.info.replaceChildren();
    if (v === null) {
      delete ui.canvas.dataset.key;
      return;
    }
    const n = v.size;
    const cell = Math.max(1, Math.min(40, Math.floor(480 / n)));
    const context = ui.canvas.getContext("2d");
    context.font = "12px sans-serif";
    const labelled = n <= 64;
    const margin = labelled ? Math.ceil(Math.max(...v.labels.map((l) => context.measureText(l).width))) + 8 : 0;
    ui.canvas.width = margin + n * cell;
    ui.canvas.height = margin + n * cell;
    geometry = { margin, cell, n };
    ui.canvas.dataset.margin = margin; // where the cells lie, for a test or a reader of the page
    ui.canvas.dataset.cell = cell;
    context.font = "12px sans-serif";
    v.images = v.images || {};
    if (!v.images[state.contrast]) v.images[state.contrast] = paint(shadesOf(v), n);
    context.imageSmoothingEnabled = false;
    context.drawImage(v.images[state.contrast], margin, margin, n * cell, n * cell);
    if (labelled) {
      context.fillStyle = "#222";
      context.textBaseline = "middle";
      context.textAlign = "right";
      v.labels.forEach((label, i) => context.fillText(label, margin - 4, margin + (i + 0.5) * cell));
      context.save();
      context.rotate(-Math.PI / 2);
      context.textAlign = "left";
      v.labels.forEach((label, j) => context.fillText(label, -margin + 4, margin + (j + 0.5) * cell));
      context.restore();
    }
    if (state.token !== null) {
      const i = state.token;
      context.lineWidth = 2;
      context.strokeStyle = "#ff3b30"; // its row: where it looks
      context.strokeRect(margin + 1, margin + i * cell, n * cell - 2, cell);
      context.strokeStyle = "#0a84ff"; // its column: who looks at it
      context.strokeRect(margin + i * cell, margin + 1, cell, n * cell - 2);
      showToken(v, i);
    }
    if (state.hover) {
      context.lineWidth = 1;
      context.strokeStyle = "#fff";
      context.strokeRect(margin + state.hover.j * cell, margin + state.hover.i * cell, cell, cell);
    }
    ui.scale.textContent = t(state.contrast === "linear" ? "scale" : "scale_" + state.contrast,
      { top: scaleTop(v).toFixed(4) });
    ui.canvas.dataset.key = v.key; // the view drawn, for a test or a benchmark to wait on
    ui.canvas.dataset.contrast = state.contrast;
  }

  function cellAt(event) {
    if (!geometry) return null;
    const box = ui.canvas.getBoundingClientRect();
    const x = (event.clientX - box.left) * (ui.canvas.width / box.width) - geometry.margin;
    const y = (event.clientY - box.top) * (ui.canvas.height / box.height) - geometry.margin;
    const i = Math.floor(y / geometry.cell), j = Math.floor(x / geometry.cell);
    return i >= 0 && j >= 0 && i < geometry.n && j < geometry.n ? { i, j } : null;
  }

  function hover(cell) {
    const v = view();
    state.hover = cell;
    readout(v);
    drawHeatmap(v);
  }

  function readout(v) { // the weight under the pointer, read again when the view under it changes
    const cell = state.hover;
    if (v && cell && cell.i < v.size && cell.j < v.size) {
      const weight = v.weights[cell.i * v.size + cell.j];
      ui.readout.textContent = t("readout", { query: v.labels[cell.i], i: cell.i, key: v.labels[cell.j], j: cell.j,
        weight: weight.toFixed(4) });
      ui.readout.dataset.weight = weight.toFixed(4);
    } else {
      ui.readout.textContent = t("hover_hint");
      delete ui.readout.dataset.weight;
    }
  }

  // the heatmap without a mouse: arrows move the read cell, Enter follows its query token, Escape lets go
  function keyboard(event) {
    const v = view();
    if (!v) return;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const at = state.hover || { i: state.token === null ? 0 : state.token, j: 0 };
    if (event.key in moves) {
      const [di, dj] = moves[event.key];
      hover({ i: Math.min(v.size - 1, Math.max(0, at.i + di)), j: Math.min(v.size - 1, Math.max(0, at.j + dj)) });
    } else if (event.key === "Enter") pick(at.i);
    else if (event.key === "Escape") { state.token = null; hover(null); update(); }
    else return;
    event.preventDefault();
  }

  function pick(i) {
    state.token = state.token === i ? null : i;
    update();
  }

  function showToken(v, i) {
    const n = v.size;
    const row = v.top_keys[i].map(([j, w]) => [j, w]);
    const column = Array.from({ length: n }, (_, q) => [q, v.weights[q * n + i]])
      .sort((a, b) => b[1] - a[1]).slice(0, 5);
    const list = (pairs, id) => el("ol", { id }, ...pairs.map(([j, w]) =>
      el("li", {}, el("button", { type: "button", class: "linkish", text: v.labels[j],
        onclick: () => pick(j) }), " (" + j + ") " + Number(w).toFixed(4))));
    ui.info.replaceChildren(
      el("div", { class: "half" }, el("h3", { text: t("looks_at", { token: v.labels[i] }) }), list(row, "top-keys")),
      el("div", { class: "half" }, el("h3", { text: t("looked_at_by", { token: v.labels[i] }) }),
        list(column, "top-queries")));
  }

  // --- head view: two token columns, one line per (query, key), opacity by weight ----------------------
  function drawHeads(v) {
    const panel = ui.panels.heads;
    panel.replaceChildren();
    if (v === null) return;
    const n = v.size;
    const every = n <= MAX_ALL_LINES;
    panel.append(el("p", { class: "muted", text: t("heads_hint") +
      (every ? "" : " " + t("heads_top_only", { tokens: n, count: HEAD_LINES })) }));
    const row = 18, width = 560, left = 170, right = width - 170, top = 10;
    const svgNS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("id", "head-view");
    svg.setAttribute("width", width);
    svg.setAttribute("height", top * 2 + n * row);
    const lines = document.createElementNS(svgNS, "g");
    svg.append(lines);
    const y = (i) => top + (i + 0.5) * row;
    const topWeight = scaleTop(v);
    function drawLines(only) {
      lines.replaceChildren();
      const queries = only === null ? [...Array(n).keys()] : [only];
      for (const i of queries) {
        const keys = every || only !== null ? [...Array(n).keys()] : v.top_keys[i].map(([j]) => j);
        for (const j of keys) {
          const w = v.weights[i * n + j];
          if (w <= 0) continue;
          const line = document.createElementNS(svgNS, "line");
          line.setAttribute("x1", left + 4);
          line.setAttribute("x2", right - 4);
          line.setAttribute("y1", y(i));
          line.setAttribute("y2", y(j));
          line.setAttribute("stroke", "#1f6feb");
          line.setAttribute("stroke-width", only === null ? 1.5 : 2.5);
          line.setAttribute("stroke-opacity", transfer(w / topWeight).toFixed(3));
          lines.append(line);
        }
      }
    }
    for (const [side, x, anchor] of [["query", left, "end"], ["key", right, "start"]]) {
      v.labels.forEach((label, i) => {
        const text = document.createElementNS(svgNS, "text");
        text.setAttribute("x", x);
        text.setAttribute("y", y(i));
        text.setAttribute("text-anchor", anchor);
        text.setAttribute("dominant-baseline", "middle");
        text.setAttribute("class", "token " + side + (state.token === i && side === "query" ? " chosen" : ""));
        text.setAttribute("data-index", i);
        text.textContent = label;
        if (side === "query") {
          text.addEventListener("mouseenter", () => drawLines(i));
          text.addEventListener("mouseleave", () => drawLines(state.token));
          text.addEventListener("click", () => pick(i));
        }
        svg.append(text);
      });
    }
    drawLines(state.token);
    panel.append(el("div", { class: "scroll tall" }, svg));
  }

  // --- model view: every layer × head as a thumbnail ---------------------------------------------------
  function drawModel() {
    const panel = ui.panels.model;
    panel.replaceChildren();
    const side = thumbs.side;
    const pixels = thumbShades(bytesOf(thumbs.pixels));
    panel.append(el("p", { class: "muted", text: t("thumb_scale", { top: thumbs.colour_scale.top.toFixed(4), side }) }));
    // columns shrink to the frame's width (the app's panel is narrow): a thumbnail is at most 40 px a side
    const grid = el("div", { id: "model-grid", class: "grid", style: "grid-template-columns: 3.5em repeat(" +
      thumbs.heads + ", minmax(0, 44px))" });
    grid.append(el("span", { class: "muted", text: t("layer") + " \\ " + t("head") }));
    for (let h = 0; h < thumbs.heads; h++) grid.append(el("span", { class: "muted head-number", text: String(h) }));
    thumbs.layers.forEach((layer, row) => {
      grid.append(el("span", { class: "muted", text: t("layer") + " " + layer }));
      for (let h = 0; h < thumbs.heads; h++) {
        const offset = (row * thumbs.heads + h) * side * side;
        const canvas = paint(pixels.subarray(offset, offset + side * side), side);
        canvas.className = "thumb";
        const chosen = layer === state.layer && h === state.head;
        grid.append(el("button", { type: "button", class: "thumb-button" + (chosen ? " chosen" : ""),
          id: "thumb-" + layer + "-" + h, title: t("layer") + " " + layer + " · " + t("head") + " " + h,
          onclick: () => { state.layer = layer; state.head = h; state.tab = "heatmap"; update(); } }, canvas));
      }
    });
    panel.append(grid);
  }

  // --- the app around the frame: views on demand, the language, the frame's height -------------------------
  function received(message) {
    delete pending[message.key];
    if (message.view) {
      packed.views[message.key] = message.view;
      fetched.push(message.key);
      while (fetched.length > FETCHED_KEPT) { // memory stays bounded however long the learner explores
        const old = fetched.shift();
        delete packed.views[old];
        delete decoded[old];
      }
    } else failed[message.key] = String(message.error || "?");
    if (message.key === keyOf(state)) update();
  }
  if (inApp) {
    window.addEventListener("message", (event) => {
      if (event.source !== window.parent || !event.data) return;
      const message = event.data;
      if (message.explorer === "hello") {
        state.server = true;
        if (packed) update();
      } else if (message.explorer === "bundle" && !packed) {
        if (message.bundle) start(message.bundle);
        else root.replaceChildren(el("p", { class: "warning", text: t("view_failed", { reason: message.error }) }));
      } else if (message.explorer === "view" && packed && typeof message.key === "string") received(message);
      else if (message.explorer === "language" && message.language in data.texts.title) {
        state.language = message.language;
        if (packed) build();
      }
    });
    let posted = 0;
    const postHeight = () => {
      const height = Math.ceil(document.body.getBoundingClientRect().height) + 24; // the body's margins
      if (height !== posted) window.parent.postMessage({ explorer: "height", height: (posted = height) }, "*");
    };
    new ResizeObserver(postHeight).observe(document.body);
    window.parent.postMessage({ explorer: "ready" }, "*");
  }

  function start(bundle) {
    packed = bundle;
    meta = packed.meta;
    thumbs = packed.thumbnails;
    const first = parseKey(packed.first);
    Object.assign(state, { layer: first.layer, head: first.head, exclude: first.exclude, words: first.words });
    build();
  }
  if (data.bundle) start(data.bundle);
  else root.append(el("p", { id: "waiting", class: "muted", text: t("loading") }));
})();
