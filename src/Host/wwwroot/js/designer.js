// The workflow designer: a flowchart canvas (X6), a palette built from the engine's activity descriptors,
// an input panel, validation by the server, and automatic layout (elkjs). Its boundary with the Razor
// pages is described in docs/DESIGNER.md: it mounts on [data-designer] elements, reads and writes the
// definition JSON in the element named by data-json-field, and calls only the URLs its data attributes name.
(function () {
  'use strict';

  const NODE_WIDTH = 230;
  const NODE_MIN_HEIGHT = 60;
  const PORT_ROW = 22;
  // A connection drawn by hand, or whose activity was moved, goes round the activities on a grid search; one laid
  // out automatically follows the route the layout computed (its bend points are the edge's vertices).
  const ROUTER = { name: 'manhattan', args: { padding: 12, step: 10, maxLoopCount: 20000, startDirections: ['right'], endDirections: ['left'] } };
  const LAID_OUT_ROUTER = { name: 'normal' };
  const UNITS = [
    { key: 'minutes', label: '分鐘', seconds: 60 },
    { key: 'hours', label: '小時', seconds: 3600 },
    { key: 'days', label: '天', seconds: 86400 },
  ];

  // ---- Elsa definition helpers (pure) -------------------------------------------------------------

  /** The flowchart inside an Elsa definition (root, or a flowchart nested under root.root). */
  function flowchartOf(doc) {
    const root = doc && doc.root;
    if (!root) return null;
    if (Array.isArray(root.activities)) return root;
    return null;
  }

  function positionOf(activity) {
    const p = activity && activity.metadata && activity.metadata.designer && activity.metadata.designer.position;
    return p && typeof p.x === 'number' && typeof p.y === 'number' ? { x: p.x, y: p.y } : null;
  }

  /** Parses a .NET TimeSpan ("1.02:00:00", "02:00:00") or an ISO 8601 duration ("PT2H") into seconds. */
  function durationSeconds(text) {
    if (typeof text !== 'string') return null;
    const s = text.trim();
    let m = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(s);
    if (m) return ((+m[2] || 0) * 86400 + (+m[3]) * 3600 + (+m[4]) * 60 + (+m[5] || 0)) * (m[1] ? -1 : 1);
    m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(s);
    if (m && s.length > 1) return (+m[1] || 0) * 86400 + (+m[2] || 0) * 3600 + (+m[3] || 0) * 60 + (+m[4] || 0);
    if (/^\d+$/.test(s)) return +s * 86400;
    return null;
  }

  function timeSpanText(seconds) {
    const days = Math.floor(seconds / 86400);
    let rest = seconds - days * 86400;
    const h = Math.floor(rest / 3600); rest -= h * 3600;
    const mi = Math.floor(rest / 60); const se = rest - mi * 60;
    const two = (n) => String(n).padStart(2, '0');
    return (days > 0 ? days + '.' : '') + two(h) + ':' + two(mi) + ':' + two(se);
  }

  /** The largest whole unit of a duration: 10800 s is 3 小時. */
  function durationParts(seconds) {
    for (let i = UNITS.length - 1; i >= 0; i--) {
      if (seconds % UNITS[i].seconds === 0) return { amount: seconds / UNITS[i].seconds, unit: UNITS[i] };
    }
    return { amount: Math.round(seconds / 60), unit: UNITS[0] };
  }

  function durationLabel(seconds) {
    const p = durationParts(seconds);
    return p.amount + ' ' + p.unit.label;
  }

  /** The activity index a validator path names ($.root.activities[3].dueIn → 3), or the connection index. */
  function pathTarget(path) {
    let m = /activities\[(\d+)\]/.exec(path || '');
    if (m) return { kind: 'activity', index: +m[1] };
    m = /connections\[(\d+)\]/.exec(path || '');
    if (m) return { kind: 'connection', index: +m[1] };
    return null;
  }

  function literal(activity, name) {
    const input = activity[name];
    return input && input.expression ? input.expression.value : undefined;
  }

  /** Output ports of a placed activity: the descriptor's, a fork's branches, a switch's cases, and any a connection uses. */
  function outputPorts(activity, descriptor, connections) {
    const ports = [];
    const add = (p) => { if (typeof p === 'string' && p && !ports.includes(p)) ports.push(p); };
    if (activity.type === 'Elsa.FlowFork') {
      try { (JSON.parse(literal(activity, 'branches') || '[]') || []).forEach(add); } catch (e) { /* shown by the validator */ }
    }
    if (activity.type === 'Elsa.FlowSwitch') {
      let cases = literal(activity, 'cases');
      try { if (typeof cases === 'string') cases = JSON.parse(cases); } catch (e) { cases = []; }
      (Array.isArray(cases) ? cases : []).forEach((c) => add(c && c.label));
      add('Default');
    }
    if (descriptor) (descriptor.ports || []).forEach((p) => add(p.name));
    (connections || []).filter((c) => c.source && c.source.activity === activity.id).forEach((c) => add(c.source.port || 'Done'));
    return ports;
  }

  // ---- The designer ---------------------------------------------------------------------------------

  function Designer(root) {
    this.root = root;
    this.field = document.getElementById(root.dataset.jsonField);
    this.readOnly = root.dataset.readonly === 'true';
    this.descriptors = new Map();
    this.errors = [];
    this.errorsByNode = new Map();
    this.validationSeq = 0;
    this.loading = false;
    this.dirty = false;
  }

  Designer.prototype.start = async function () {
    const root = this.root;
    // Until the designer is ready it may still write its laid-out JSON into the editor: text typed meanwhile would be
    // overwritten or run into it, so the editor takes no input until then (and again if the designer fails to load).
    this.lockField(true);
    this.canvas = root.querySelector('.designer-canvas');
    this.panel = root.querySelector('.designer-panel');
    this.palette = root.querySelector('.designer-palette');
    this.status = root.querySelector('.designer-status');
    this.picker = root.querySelector('.designer-select');
    if (root.dataset.descriptors) {
      const response = await fetch(root.dataset.descriptors, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error('descriptors: HTTP ' + response.status);
      (await response.json()).items.forEach((d) => this.descriptors.set(d.typeName, d));
    }
    this.createGraph();
    if (this.palette && !this.readOnly) this.buildPalette();
    this.bindToolbar();
    this.bindKeyboard();
    this.load(this.readDocument(), { layoutIfMissing: true });
    if (this.field && !this.readOnly) {
      let timer = null;
      this.field.addEventListener('input', () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          const doc = this.readDocument();
          if (doc) { this.markDirty(); this.load(doc, { layoutIfMissing: true }); this.scheduleValidation(); }
        }, 400);
      });
    }
    root.hidden = false;
    if (this.layoutDone) await this.layoutDone;
    this.fit();
    document.querySelectorAll('[data-designer-fallback]').forEach((e) => { e.hidden = true; });
    if (root.dataset.overlay) this.applyOverlay(JSON.parse(document.getElementById(root.dataset.overlay).textContent));
    this.showPanel();
    if (!this.readOnly) this.scheduleValidation(0);
    this.lockField(false);
    root.dataset.ready = 'true';
  };

  /** Makes the page's JSON editor read-only while the designer loads (a field read-only in the page stays so). */
  Designer.prototype.lockField = function (locked) {
    const field = this.field;
    if (!field || field.tagName !== 'TEXTAREA' || this.readOnly) return;
    if (locked) {
      if (field.readOnly) return;
      this.lockedField = true;
      field.readOnly = true;
      field.setAttribute('aria-busy', 'true');
    } else if (this.lockedField) {
      this.lockedField = false;
      field.readOnly = false;
      field.removeAttribute('aria-busy');
    }
  };

  Designer.prototype.readDocument = function () {
    if (this.field) {
      try { return JSON.parse(this.field.tagName === 'SCRIPT' ? this.field.textContent : this.field.value); } catch (e) { this.say('JSON 格式有誤，流程圖維持上一次的內容。'); return null; }
    }
    return null;
  };

  Designer.prototype.createGraph = function () {
    const X6 = window.X6;
    this.graph = new X6.Graph({
      container: this.canvas,
      // The canvas's own box (its grid cell) is the drawing's size; X6's default would follow the whole body.
      autoResize: this.canvas,
      // Drawn synchronously: a route, an overlay or a test reads the drawing right after a change.
      async: false,
      grid: { visible: true, size: 10 },
      background: { color: '#fbfbfd' },
      panning: { enabled: true, eventTypes: ['rightMouseDown'] },
      mousewheel: { enabled: true, modifiers: ['ctrl', 'meta'] },
      interacting: () => !this.readOnly,
      connecting: {
        snap: true, allowBlank: false, allowLoop: false, allowNode: false, allowEdge: false, allowMulti: 'withPort', highlight: true,
        router: ROUTER,
        connector: { name: 'rounded' },
        validateMagnet: ({ magnet }) => magnet.getAttribute('port-group') === 'out',
        validateConnection: ({ targetMagnet }) => !!targetMagnet && targetMagnet.getAttribute('port-group') === 'in',
        createEdge: () => this.graph.createEdge(this.edgeStyle('')),
      },
    });
    this.selection = new X6.Selection({ enabled: true, multiple: false, showNodeSelectionBox: true, showEdgeSelectionBox: false, pointerEvents: 'none' });
    this.graph.use(this.selection);
    this.graph.use(new X6.Snapline({ enabled: true }));
    // Colours, labels and overlays are derived from the model, so only model changes are undone.
    this.history = new X6.History({
      enabled: true,
      beforeAddCommand: (event, args) => !this.loading && !(event === 'cell:change:*' && (args.key === 'attrs' || args.key === 'labels')),
    });
    this.graph.use(this.history);
    if (!this.readOnly) {
      this.dnd = new X6.Dnd({ target: this.graph, validateNode: () => true,
        // The dragged copy has an id of X6's own; the dropped node gets the activity's.
        getDropNode: (dragged) => {
          const activity = dragged.getData().activity;
          return this.graph.createNode(this.nodeMetadata(activity, outputPorts(activity, this.descriptors.get(activity.type), [])));
        }, });
    }
    this.graph.on('selection:changed', () => this.showPanel());
    this.graph.on('edge:connected', ({ edge }) => {
      edge.setLabels(this.edgeLabels(edge));
      this.changed();
    });
    this.graph.on('node:moved', ({ node }) => { if (!this.loading) this.reroute(node); });
    ['node:moved', 'cell:removed', 'node:added'].forEach((e) => this.graph.on(e, () => { if (!this.loading) this.changed(); }));
    this.history.on('change', () => { if (!this.loading) this.changed(true); this.updateToolbar(); });
    this.graph.on('node:click', ({ node }) => this.root.dispatchEvent(new CustomEvent('designer:node', { detail: { id: node.id } })));
  };

  /** A moved activity's connections leave their laid-out routes and go round the activities again. */
  Designer.prototype.reroute = function (node) {
    this.graph.getConnectedEdges(node).filter((e) => e.getVertices().length).forEach((e) => {
      e.setVertices([]);
      e.setRouter(ROUTER);
    });
  };

  Designer.prototype.edgeStyle = function (label) {
    return {
      shape: 'edge',
      router: ROUTER,
      connector: { name: 'rounded' },
      attrs: { line: { stroke: '#4a5a70', strokeWidth: 1.6, targetMarker: { name: 'block', width: 8, height: 6 } } },
      labels: label ? [this.label(label)] : [],
      zIndex: 0,
    };
  };

  Designer.prototype.label = function (text) {
    return {
      attrs: { label: { text: text, fontSize: 12, fill: '#203040' }, body: { fill: '#ffffff', stroke: '#c8d0dc', rx: 3, ry: 3, refWidth: 8, refHeight: 4, refX: -4, refY: -2 } },
      position: { distance: 0.5 },
    };
  };

  /** An outcome's name on its connection whenever the activity has more than one outcome, in full. */
  Designer.prototype.edgeLabels = function (edge) {
    const source = edge.getSourceCell();
    const portId = edge.getSourcePortId();
    if (!source || !portId) return [];
    const outs = source.getPortsByGroup('out');
    return outs.length > 1 ? [this.label(portId.slice(4))] : [];
  };

  Designer.prototype.descriptorName = function (type) {
    const d = this.descriptors.get(type);
    return d ? d.displayName : type;
  };

  Designer.prototype.nodeMetadata = function (activity, ports) {
    const height = Math.max(NODE_MIN_HEIGHT, 24 + ports.length * PORT_ROW);
    return {
      id: activity.id,
      shape: 'rect',
      width: NODE_WIDTH,
      height: height,
      data: { activity: activity },
      attrs: {
        body: { fill: '#ffffff', stroke: '#3f6fa8', strokeWidth: 1.5, rx: 6, ry: 6 },
        label: {
          text: this.nodeText(activity),
          fontSize: 13, fill: '#1a2433', refX: 12, refY: 0.5, textAnchor: 'start', textVerticalAnchor: 'middle',
          textWrap: { width: NODE_WIDTH - 75, height: height - 8, ellipsis: true },
        },
      },
      ports: {
        groups: {
          in: { position: 'left', attrs: { circle: { r: 6, magnet: 'passive', stroke: '#3f6fa8', fill: '#fff', strokeWidth: 1.5 } } },
          out: {
            position: 'right',
            label: { position: { name: 'inside', args: { offset: 10 } } },
            attrs: { circle: { r: 6, magnet: true, stroke: '#2d7a46', fill: '#e6f4ea', strokeWidth: 1.5 }, text: { fontSize: 11, fill: '#2d5a3a' } },
          },
        },
        items: [{ id: 'in', group: 'in' }].concat(ports.map((p) => ({ id: 'out:' + p, group: 'out', attrs: { text: { text: p } } }))),
      },
    };
  };

  Designer.prototype.nodeText = function (activity) {
    return (activity.name || this.descriptorName(activity.type)) + '\n' + this.descriptorName(activity.type) + '・' + activity.id;
  };

  /** Puts the definition on the canvas; lays it out when some activity has no saved position. */
  Designer.prototype.load = function (doc, options) {
    if (!doc) return;
    this.doc = doc;
    const flow = flowchartOf(doc);
    if (!flow) { this.say('這個定義的根不是流程圖，無法在設計器中編輯。'); return; }
    const connections = flow.connections || [];
    this.loading = true;
    this.graph.clearCells();
    let missing = false;
    flow.activities.forEach((activity, i) => {
      const ports = outputPorts(activity, this.descriptors.get(activity.type), connections);
      const node = this.graph.addNode(this.nodeMetadata(activity, ports));
      const p = positionOf(activity);
      if (p) node.position(p.x, p.y); else { missing = true; node.position(40 + i * 30, 40 + i * 30); }
    });
    connections.forEach((c) => {
      const source = c.source || {}; const target = c.target || {};
      if (!this.graph.getCellById(source.activity) || !this.graph.getCellById(target.activity)) return;
      const vertices = (Array.isArray(c.vertices) ? c.vertices : []).filter((v) => v && typeof v.x === 'number' && typeof v.y === 'number');
      const edge = this.graph.addEdge(Object.assign(this.edgeStyle(''), {
        source: { cell: source.activity, port: 'out:' + (source.port || 'Done') },
        target: { cell: target.activity, port: 'in' },
      }, vertices.length ? { vertices: vertices.map((v) => ({ x: v.x, y: v.y })), router: LAID_OUT_ROUTER } : {}));
      edge.setLabels(this.edgeLabels(edge));
    });
    this.history.clean();
    this.loading = false;
    this.refreshPicker();
    this.updateToolbar();
    if (missing && options && options.layoutIfMissing) {
      // A definition without saved positions is laid out once; the positions reach the JSON but count as no edit.
      // Text typed into the JSON editor while the layout ran wins: the positions are then written at its next load.
      const loadedText = this.field ? this.field.value : null;
      this.layoutDone = this.layout({ record: false }).then(() => {
        this.fit();
        if (this.field && !this.readOnly && this.field.value === loadedText) { this.doc = this.serialize(); this.field.value = JSON.stringify(this.doc, null, 2); }
      }).catch((e) => this.say('自動排列失敗：' + e.message));
    } else this.fit();
    this.showErrors();
  };

  /** The definition as the canvas shows it: activities in canvas order with their positions, then connections. */
  Designer.prototype.serialize = function () {
    const doc = JSON.parse(JSON.stringify(this.doc || {}));
    const flow = flowchartOf(doc) || (doc.root = { type: 'Elsa.Flowchart', id: 'flowchart', activities: [], connections: [] });
    flow.activities = this.graph.getNodes().map((node) => {
      const activity = JSON.parse(JSON.stringify(node.getData().activity));
      const p = node.getPosition(); const s = node.getSize();
      activity.metadata = activity.metadata || {};
      activity.metadata.designer = Object.assign({}, activity.metadata.designer, {
        position: { x: p.x, y: p.y },
        size: { width: s.width, height: s.height },
      });
      return activity;
    });
    flow.connections = this.graph.getEdges().filter((e) => e.getSourceCellId() && e.getTargetCellId()).map((e) => ({
      source: { activity: e.getSourceCellId(), port: (e.getSourcePortId() || 'out:Done').slice(4) },
      target: { activity: e.getTargetCellId(), port: 'In' },
      vertices: e.getVertices().map((v) => ({ x: v.x, y: v.y })),
    }));
    return doc;
  };

  Designer.prototype.changed = function () {
    if (this.readOnly) return;
    this.doc = this.serialize();
    if (this.field) this.field.value = JSON.stringify(this.doc, null, 2);
    this.markDirty();
    this.refreshPicker();
    this.scheduleValidation();
  };

  Designer.prototype.markDirty = function () {
    this.dirty = true;
    this.updatePublish();
  };

  // ---- palette and adding ---------------------------------------------------------------------------

  Designer.prototype.buildPalette = function () {
    const groups = new Map();
    [...this.descriptors.values()].filter((d) => d.isBrowsable !== false).forEach((d) => {
      if (!groups.has(d.category)) groups.set(d.category, []);
      groups.get(d.category).push(d);
    });
    const filter = document.createElement('input');
    filter.type = 'search'; filter.placeholder = '搜尋活動'; filter.setAttribute('aria-label', '搜尋活動');
    this.palette.appendChild(filter);
    groups.forEach((items, category) => {
      const details = document.createElement('details');
      details.open = true;
      const summary = document.createElement('summary');
      summary.textContent = category + '（' + items.length + '）';
      summary.tabIndex = -1;
      details.appendChild(summary);
      items.sort((a, b) => a.displayName.localeCompare(b.displayName, 'zh-Hant')).forEach((d) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'palette-item';
        button.dataset.type = d.typeName;
        button.title = d.description || '';
        button.setAttribute('aria-label', '加入「' + d.displayName + '」');
        button.innerHTML = '<span class="palette-name"></span><span class="palette-help"></span>';
        button.firstChild.textContent = d.displayName;
        button.lastChild.textContent = d.description || '';
        button.addEventListener('mousedown', (evt) => {
          if (evt.button !== 0) return;
          const node = this.graph.createNode(this.nodeMetadata(this.newActivity(d), outputPorts({ id: '', type: d.typeName }, d, [])));
          this.dnd.start(node, evt);
        });
        button.addEventListener('keydown', (evt) => {
          if (evt.key === 'Enter' || evt.key === ' ') { evt.preventDefault(); this.addByKeyboard(d); }
        });
        details.appendChild(button);
      });
      this.palette.appendChild(details);
    });
    // One tab stop for the whole palette: the arrow keys move between its items.
    const items = () => [...this.palette.querySelectorAll('.palette-item')].filter((b) => !b.hidden);
    const rove = (target) => { items().forEach((b) => { b.tabIndex = b === target ? 0 : -1; }); if (target) target.focus(); };
    items().forEach((b, i) => { b.tabIndex = i === 0 ? 0 : -1; });
    this.palette.addEventListener('keydown', (evt) => {
      if (!evt.target.classList.contains('palette-item') || !['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(evt.key)) return;
      const list = items(); const i = list.indexOf(evt.target);
      const next = { ArrowDown: Math.min(i + 1, list.length - 1), ArrowUp: Math.max(i - 1, 0), Home: 0, End: list.length - 1 }[evt.key];
      evt.preventDefault();
      rove(list[next]);
    });
    filter.addEventListener('input', () => {
      const q = filter.value.trim().toLowerCase();
      this.palette.querySelectorAll('.palette-item').forEach((b) => {
        b.hidden = q !== '' && !(b.textContent + b.dataset.type).toLowerCase().includes(q);
      });
      this.palette.querySelectorAll('details').forEach((d) => { d.hidden = !d.querySelector('.palette-item:not([hidden])'); });
      const first = items()[0];
      items().forEach((b) => { b.tabIndex = b === first ? 0 : -1; });
    });
  };

  Designer.prototype.newActivity = function (descriptor) {
    const base = descriptor.name.replace(/^Flow/, '').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
    let n = 1;
    const taken = (id) => !!this.graph.getCellById(id) || (this.pendingIds && this.pendingIds.has(id));
    while (taken(base + '-' + n)) n++;
    this.pendingIds = this.pendingIds || new Set();
    this.pendingIds.add(base + '-' + n);
    return { id: base + '-' + n, type: descriptor.typeName, version: descriptor.version || 1, name: descriptor.displayName };
  };

  /** Keyboard: the palette item's Enter puts the activity right of the selected one (or at the end) and selects it. */
  Designer.prototype.addByKeyboard = function (descriptor) {
    const activity = this.newActivity(descriptor);
    const selected = this.selectedNode();
    const bbox = selected ? selected.getBBox() : this.graph.getContentBBox();
    const node = this.graph.addNode(this.nodeMetadata(activity, outputPorts(activity, descriptor, [])));
    node.position(bbox.x + bbox.width + 60, bbox.y + (selected ? 90 : 0));
    this.select(node);
    this.say('已加入「' + descriptor.displayName + '」。在右側面板設定它的輸入與連線。');
  };

  Designer.prototype.selectedNode = function () {
    return this.selection.getSelectedCells().find((c) => c.isNode()) || null;
  };

  Designer.prototype.select = function (cell) {
    this.selection.clean();
    if (cell) this.selection.select(cell);
    this.showPanel();
  };

  // ---- the side panel -------------------------------------------------------------------------------

  Designer.prototype.showPanel = function () {
    const panel = this.panel;
    if (!panel) return;
    const cells = this.selection.getSelectedCells();
    const node = cells.find((c) => c.isNode());
    const edge = cells.find((c) => c.isEdge());
    panel.replaceChildren();
    if (this.picker) this.picker.value = node ? node.id : '';
    if (edge && !node) {
      const h = el('h3', '連線');
      const p = el('p', edge.getSourceCellId() + '（' + (edge.getSourcePortId() || '').slice(4) + '）→ ' + edge.getTargetCellId());
      panel.append(h, p);
      if (!this.readOnly) panel.append(button('刪除連線', () => { this.graph.removeCell(edge); this.select(null); }, 'danger'));
      return;
    }
    if (!node) {
      panel.append(el('h3', '屬性'), el('p', this.readOnly ? '點選活動以查看細節。' : '點選畫布上的活動以編輯它的輸入；從活動面板拖曳或按 Enter 加入新活動。'));
      return;
    }
    const activity = node.getData().activity;
    const descriptor = this.descriptors.get(activity.type);
    panel.append(el('h3', (activity.name || this.descriptorName(activity.type))));
    panel.append(el('p', this.descriptorName(activity.type) + '（' + activity.type + '）', 'panel-type'));
    if (descriptor && descriptor.description) panel.append(el('p', descriptor.description, 'help'));
    const slot = el('div', undefined, 'panel-error-slot');
    panel.append(slot);
    this.showPanelErrors();
    if (this.readOnly) {
      const info = this.overlay && this.overlay.nodes && this.overlay.nodes[node.id];
      if (info && info.note) panel.append(el('p', info.note, 'panel-state'));
      const entries = (this.overlay && this.overlay.journal && this.overlay.journal[node.id]) || [];
      panel.append(el('h4', entries.length ? '執行紀錄（' + entries.length + '）' : '這個活動還沒有執行紀錄。'));
      const list = el('ol', undefined, 'designer-journal');
      entries.forEach((e) => list.append(el('li', e.at + '　' + e.event + (e.message ? '：' + e.message : ''))));
      if (entries.length) panel.append(list);
      return;
    }
    const form = document.createElement('div');
    form.className = 'panel-fields';
    form.append(field('名稱', textInput(activity.name || '', (v) => this.updateActivity(node, (a) => { if (v) a.name = v; else delete a.name; }), 'panel-name')));
    form.append(field('活動代碼', textInput(activity.id, null, 'panel-id', true)));
    (descriptor ? descriptor.inputs : []).forEach((input) => form.append(this.inputEditor(node, activity, input)));
    panel.append(form);
    panel.append(this.connectionEditor(node));
    panel.append(button('刪除活動', () => this.removeSelected(), 'danger'));
  };

  /** The selected activity's errors, refreshed in place so a field being typed in keeps its focus. */
  Designer.prototype.showPanelErrors = function () {
    const slot = this.panel && this.panel.querySelector('.panel-error-slot');
    const node = this.selectedNode();
    if (!slot) return;
    slot.replaceChildren();
    const errors = node ? this.errorsByNode.get(node.id) || [] : [];
    if (errors.length === 0) return;
    const list = document.createElement('ul');
    list.className = 'errors panel-errors';
    errors.forEach((e) => list.append(el('li', e.message)));
    slot.append(list);
  };

  Designer.prototype.updateActivity = function (node, change) {
    const activity = JSON.parse(JSON.stringify(node.getData().activity));
    change(activity);
    node.setData({ activity: activity }, { overwrite: true });
    node.attr('label/text', this.nodeText(activity));
    const connections = this.graph.getConnectedEdges(node, { outgoing: true }).map((e) => ({ source: { activity: node.id, port: (e.getSourcePortId() || '').slice(4) } }));
    const ports = outputPorts(activity, this.descriptors.get(activity.type), connections);
    const existing = node.getPortsByGroup('out').map((p) => p.id.slice(4));
    if (ports.join('\n') !== existing.join('\n')) {
      existing.filter((p) => !ports.includes(p)).forEach((p) => node.removePort('out:' + p));
      ports.filter((p) => !existing.includes(p)).forEach((p) => node.addPort({ id: 'out:' + p, group: 'out', attrs: { text: { text: p } } }));
      node.resize(NODE_WIDTH, Math.max(NODE_MIN_HEIGHT, 24 + ports.length * PORT_ROW));
    }
    this.changed();
  };

  /** One input's editor: the kind follows the descriptor (duration, number, yes/no, choice, agency, JSON, text) plus JavaScript. */
  Designer.prototype.inputEditor = function (node, activity, input) {
    const current = activity[input.name];
    const expressionType = current && current.expression ? current.expression.type : (input.defaultSyntax || 'Literal');
    const value = current && current.expression ? current.expression.value : undefined;
    const id = 'input-' + node.id + '-' + input.name;
    const wrapper = document.createElement('div');
    wrapper.className = 'panel-input';
    wrapper.dataset.input = input.name;
    const label = el('label', input.displayName + (input.isRequired ? '（必填）' : ''));
    label.htmlFor = id;
    wrapper.append(label);
    const set = (type, v) => this.updateActivity(node, (a) => {
      if (v === undefined || v === null || v === '') delete a[input.name];
      else a[input.name] = { typeName: input.typeName, expression: { type: type, value: v } };
    });
    const kind = document.createElement('select');
    kind.setAttribute('aria-label', input.displayName + '的寫法');
    kind.className = 'expression-kind';
    [['Literal', '值'], ['JavaScript', 'JavaScript']].forEach(([v, t]) => { const o = el('option', t); o.value = v; kind.append(o); });
    if (expressionType !== 'Literal' && expressionType !== 'JavaScript') { const o = el('option', expressionType); o.value = expressionType; kind.append(o); }
    kind.value = expressionType;
    let editor;
    if (expressionType === 'JavaScript') {
      editor = this.scriptEditor(id, value, (v) => set('JavaScript', v));
    } else if (input.typeName === 'TimeSpan') {
      editor = durationEditor(id, value, (v) => set(expressionType, v));
    } else if (input.typeName === 'Boolean' && input.uiHint === 'checkbox') {
      editor = document.createElement('input'); editor.type = 'checkbox'; editor.id = id;
      editor.checked = value === true || value === 'true';
      editor.addEventListener('change', () => set(expressionType, editor.checked ? true : undefined));
    } else if (input.uiHint === 'dropdown' && input.options && input.options.dropdown) {
      editor = document.createElement('select'); editor.id = id;
      editor.append(el('option', '（未設定）'));
      editor.firstChild.value = '';
      input.options.dropdown.items.forEach((item) => { const o = el('option', item.text); o.value = item.value; editor.append(o); });
      editor.value = value == null ? '' : String(value);
      editor.addEventListener('change', () => set(expressionType, editor.value));
    } else if (input.uiHint === 'agency-picker' && this.root.dataset.agencies) {
      editor = textInput(value == null ? '' : String(value), (v) => set(expressionType, v), null, false, id);
      editor.setAttribute('list', this.root.dataset.agencies);
      editor.placeholder = '機構代碼，可輸入名稱搜尋';
    } else if (/^(Int32|Int64|Double|Decimal|Number)$/.test(input.typeName)) {
      editor = textInput(value == null ? '' : String(value), (v) => set(expressionType, v === '' ? '' : Number(v)), null, false, id);
      editor.type = 'number';
    } else if (input.uiHint === 'multiline' || input.uiHint === 'json-editor' || input.typeName === 'Object') {
      editor = document.createElement('textarea'); editor.id = id; editor.rows = 3;
      editor.value = value == null ? '' : (typeof value === 'string' ? value : JSON.stringify(value));
      editor.addEventListener('change', () => set(expressionType, editor.value));
    } else {
      editor = textInput(value == null ? '' : String(value), (v) => set(expressionType, v), null, false, id);
    }
    kind.addEventListener('change', () => {
      this.updateActivity(node, (a) => {
        const old = a[input.name] && a[input.name].expression ? a[input.name].expression.value : '';
        a[input.name] = { typeName: input.typeName, expression: { type: kind.value, value: old == null ? '' : old } };
      });
      this.showPanel();
    });
    wrapper.append(kind, editor);
    if (input.description) wrapper.append(el('p', input.description, 'help'));
    return wrapper;
  };

  /** JavaScript: a code field with the variables the expression can read listed under it (getName() in Elsa's style). */
  Designer.prototype.scriptEditor = function (id, value, onChange) {
    const box = document.createElement('div');
    box.className = 'script-editor';
    const area = document.createElement('textarea');
    area.id = id; area.rows = 3; area.spellcheck = false; area.className = 'code';
    area.value = value == null ? '' : String(value);
    const shown = document.createElement('pre');
    shown.className = 'code-preview';
    shown.setAttribute('aria-hidden', 'true');
    const paint = () => { shown.replaceChildren(...highlight(area.value)); };
    area.addEventListener('input', paint);
    area.addEventListener('change', () => onChange(area.value));
    paint();
    const names = ((this.doc && this.doc.variables) || []).map((v) => 'get' + v.name.charAt(0).toUpperCase() + v.name.slice(1) + '()')
      .concat(((this.doc && this.doc.inputs) || []).map((v) => 'getInput("' + v.name + '")'));
    box.append(area, shown, el('p', names.length ? '可用：' + names.join('、') : '這個定義沒有變數。', 'help script-variables'));
    return box;
  };

  /** The outgoing connections of a node by keyboard: one choice of target per outcome. */
  Designer.prototype.connectionEditor = function (node) {
    const box = document.createElement('fieldset');
    box.className = 'panel-connections';
    box.append(el('legend', '連線'));
    node.getPortsByGroup('out').forEach((port) => {
      const outcome = port.id.slice(4);
      const id = 'connect-' + node.id + '-' + outcome;
      const label = el('label', '從 ' + outcome + ' 接到');
      label.htmlFor = id;
      const select = document.createElement('select');
      select.id = id;
      select.append(el('option', '（不接）'));
      select.firstChild.value = '';
      this.graph.getNodes().filter((n) => n.id !== node.id).forEach((n) => {
        const o = el('option', (n.getData().activity.name || this.descriptorName(n.getData().activity.type)) + '（' + n.id + '）');
        o.value = n.id; select.append(o);
      });
      const existing = () => this.graph.getConnectedEdges(node, { outgoing: true }).filter((e) => e.getSourcePortId() === port.id);
      select.value = existing().length ? existing()[0].getTargetCellId() : '';
      const connect = () => {
        const current = existing();
        if ((current.length ? current[0].getTargetCellId() : '') === select.value) return;
        this.graph.startBatch('connect');
        existing().forEach((e) => this.graph.removeCell(e));
        if (select.value) {
          const edge = this.graph.addEdge(Object.assign(this.edgeStyle(''), { source: { cell: node.id, port: port.id }, target: { cell: select.value, port: 'in' } }));
          edge.setLabels(this.edgeLabels(edge));
        }
        this.graph.stopBatch('connect');
        this.changed();
      };
      select.addEventListener('input', connect);
      select.addEventListener('change', connect);
      box.append(label, select);
    });
    return box;
  };

  Designer.prototype.removeSelected = function () {
    const cells = this.selection.getSelectedCells();
    if (cells.length === 0) return;
    this.graph.removeCells(cells);
    this.select(null);
    this.say('已刪除。可按 Ctrl+Z 復原。');
  };

  // ---- toolbar and keyboard ------------------------------------------------------------------------

  Designer.prototype.bindToolbar = function () {
    const actions = {
      undo: () => { this.history.undo(); this.afterHistory(); },
      redo: () => { this.history.redo(); this.afterHistory(); },
      'zoom-in': () => this.graph.zoom(0.1),
      'zoom-out': () => this.graph.zoom(-0.1),
      fit: () => this.fit(),
      actual: () => this.actualSize(),
      wide: () => this.toggleWide(),
      layout: () => this.layout().then(() => { this.fit(); this.changed(); }),
      delete: () => this.removeSelected(),
    };
    this.root.querySelectorAll('[data-action]').forEach((b) => {
      if (this.readOnly && ['undo', 'redo', 'layout', 'delete'].includes(b.dataset.action)) { b.hidden = true; return; }
      b.addEventListener('click', () => actions[b.dataset.action]());
    });
    if (this.picker) {
      this.picker.addEventListener('change', () => {
        const node = this.graph.getCellById(this.picker.value);
        this.select(node || null);
        if (node) this.graph.centerCell(node);
      });
    }
  };

  Designer.prototype.afterHistory = function () {
    this.graph.getEdges().forEach((e) => e.setLabels(this.edgeLabels(e)));
    this.graph.getNodes().forEach((n) => n.attr('label/text', this.nodeText(n.getData().activity)));
    this.showErrors();
    this.changed();
    this.showPanel();
  };

  Designer.prototype.updateToolbar = function () {
    const undo = this.root.querySelector('[data-action="undo"]');
    const redo = this.root.querySelector('[data-action="redo"]');
    if (undo) undo.disabled = !this.history.canUndo();
    if (redo) redo.disabled = !this.history.canRedo();
  };

  Designer.prototype.refreshPicker = function () {
    if (!this.picker) return;
    const value = this.picker.value;
    this.picker.replaceChildren(el('option', '（選擇活動）'));
    this.picker.firstChild.value = '';
    this.graph.getNodes().forEach((n) => {
      const o = el('option', (n.getData().activity.name || this.descriptorName(n.getData().activity.type)) + '（' + n.id + '）');
      o.value = n.id; this.picker.append(o);
    });
    this.picker.value = this.graph.getCellById(value) ? value : '';
  };

  /** On the canvas: Delete, Ctrl+Z / Ctrl+Y (Ctrl+Shift+Z), +/- zoom, 0 fit, L layout, Tab/Shift+Tab next/previous activity, arrows move. */
  Designer.prototype.bindKeyboard = function () {
    this.canvas.tabIndex = 0;
    this.canvas.addEventListener('keydown', (evt) => {
      const ctrl = evt.ctrlKey || evt.metaKey;
      const node = this.selectedNode();
      let handled = true;
      if (!this.readOnly && (evt.key === 'Delete' || evt.key === 'Backspace')) this.removeSelected();
      else if (!this.readOnly && ctrl && evt.key.toLowerCase() === 'z' && !evt.shiftKey) { this.history.undo(); this.afterHistory(); }
      else if (!this.readOnly && ctrl && (evt.key.toLowerCase() === 'y' || (evt.key.toLowerCase() === 'z' && evt.shiftKey))) { this.history.redo(); this.afterHistory(); }
      else if (evt.key === '+' || evt.key === '=') this.graph.zoom(0.1);
      else if (evt.key === '-') this.graph.zoom(-0.1);
      else if (evt.key === '0') this.fit();
      else if (evt.key === '1') this.actualSize();
      else if (!this.readOnly && evt.key.toLowerCase() === 'l' && !ctrl) this.layout().then(() => { this.fit(); this.changed(); });
      else if (evt.key === 'Tab' && this.graph.getNodes().length) {
        const nodes = this.graph.getNodes();
        const i = node ? nodes.indexOf(node) : -1;
        const next = i + (evt.shiftKey ? -1 : 1);
        if (next < 0 || next >= nodes.length) handled = false; else this.select(nodes[next]);
      } else if (!this.readOnly && node && evt.key.startsWith('Arrow')) {
        const step = evt.shiftKey ? 50 : 10;
        const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[evt.key];
        node.translate(d[0], d[1]);
        this.reroute(node);
        this.changed();
      } else if (evt.key === 'Escape') this.select(null);
      else handled = false;
      if (handled) evt.preventDefault();
    });
  };

  /** At 100 %, the start of the flow (its leftmost activity) at the left of the canvas. */
  Designer.prototype.actualSize = function () {
    const nodes = this.graph.getNodes();
    if (nodes.length === 0) return;
    this.graph.zoomTo(1);
    const first = nodes.reduce((a, b) => (b.getBBox().x < a.getBBox().x ? b : a));
    const box = first.getBBox();
    this.graph.translate(24 - box.x, this.canvas.clientHeight / 2 - box.center.y);
  };

  /** The canvas across the whole width (palette and panel folded away), for reading a long flow. */
  Designer.prototype.toggleWide = function () {
    const wide = this.root.classList.toggle('designer-wide');
    const b = this.root.querySelector('[data-action="wide"]');
    if (b) b.setAttribute('aria-pressed', String(wide));
    this.graph.resize(this.canvas.clientWidth, this.canvas.clientHeight);
  };

  Designer.prototype.fit = function () {
    if (this.graph.getNodes().length === 0) return;
    this.graph.zoomToFit({ padding: 24, maxScale: 1 });
  };

  // ---- automatic layout (elkjs) ---------------------------------------------------------------------

  /**
   * Left to right, layered (elkjs). Ports are given to ELK where X6 draws them, so ELK's orthogonal routes start and end
   * on them; each connection then follows its route (the bend points become its vertices), which keeps it off every
   * activity but its own two. Labels get room between the layers.
   */
  Designer.prototype.layout = async function (options) {
    const record = !options || options.record !== false;
    const elk = new window.ELK();
    const nodes = this.graph.getNodes();
    const edges = this.graph.getEdges().filter((e) => e.getSourceCellId() && e.getTargetCellId());
    const portsOf = (n) => {
      const at = Object.assign({}, n.getPortsPosition('in'), n.getPortsPosition('out'));
      return n.getPorts().map((p) => ({
        id: n.id + '|' + p.id, width: 0, height: 0,
        x: at[p.id] ? at[p.id].position.x : 0, y: at[p.id] ? at[p.id].position.y : 0,
        layoutOptions: { 'elk.port.side': p.group === 'in' ? 'WEST' : 'EAST' },
      }));
    };
    const graph = {
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'RIGHT',
        'elk.layered.spacing.nodeNodeBetweenLayers': '90',
        'elk.spacing.nodeNode': '36',
        'elk.spacing.edgeLabel': '4',
        'elk.spacing.edgeNode': '24',
        'elk.spacing.edgeEdge': '14',
        'elk.layered.spacing.edgeNodeBetweenLayers': '24',
        'elk.layered.spacing.edgeEdgeBetweenLayers': '14',
        'elk.edgeRouting': 'ORTHOGONAL',
        'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
        'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
        'elk.edgeLabels.inline': 'false',
      },
      children: nodes.map((n) => ({
        id: n.id,
        width: n.getSize().width,
        height: n.getSize().height,
        layoutOptions: { 'elk.portConstraints': 'FIXED_POS' },
        ports: portsOf(n),
      })),
      edges: edges.map((e) => ({
        id: e.id,
        sources: [e.getSourceCellId() + '|' + e.getSourcePortId()],
        targets: [e.getTargetCellId() + '|' + e.getTargetPortId()],
        labels: e.getLabels().map((l) => ({ text: l.attrs.label.text, width: textWidth(l.attrs.label.text) + 16, height: 20 })),
      })),
    };
    const result = await elk.layout(graph);
    const shift = (v) => Math.round(v) + 20;
    if (record) this.graph.startBatch('layout'); else this.loading = true;
    try {
      result.children.forEach((c) => { const n = this.graph.getCellById(c.id); if (n) n.position(shift(c.x), shift(c.y)); });
      (result.edges || []).forEach((r) => {
        const edge = this.graph.getCellById(r.id);
        const section = r.sections && r.sections[0];
        if (!edge || !section) return;
        edge.setVertices((section.bendPoints || []).map((b) => ({ x: shift(b.x), y: shift(b.y) })));
        edge.setRouter(LAID_OUT_ROUTER);
      });
    } finally {
      if (record) this.graph.stopBatch('layout'); else this.loading = false;
    }
    this.root.dataset.layouts = String((+this.root.dataset.layouts || 0) + 1);
  };

  // ---- validation by the server ----------------------------------------------------------------------

  Designer.prototype.scheduleValidation = function (delay) {
    if (!this.root.dataset.validate) return;
    clearTimeout(this.validationTimer);
    this.validationTimer = setTimeout(() => this.validate(), delay === undefined ? 400 : delay);
    this.root.dataset.validating = 'true';
    this.updatePublish();
  };

  Designer.prototype.validate = async function () {
    const seq = ++this.validationSeq;
    const doc = this.serialize();
    let errors;
    try {
      const response = await fetch(this.root.dataset.validate, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(doc),
      });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      errors = await response.json();
    } catch (e) {
      if (seq === this.validationSeq) { this.say('無法檢查定義：' + e.message); delete this.root.dataset.validating; }
      return;
    }
    if (seq !== this.validationSeq) return;
    const activities = flowchartOf(doc) ? flowchartOf(doc).activities : [];
    const connections = flowchartOf(doc) ? flowchartOf(doc).connections : [];
    this.errors = errors.map((e) => {
      const t = pathTarget(e.path);
      const node = t && t.kind === 'activity' && activities[t.index] ? activities[t.index].id : null;
      const c = t && t.kind === 'connection' ? connections[t.index] : null;
      return { path: e.path, code: e.code, message: e.message, node: node || (c ? c.source.activity : null), connection: c };
    });
    delete this.root.dataset.validating;
    this.showErrors();
  };

  Designer.prototype.showErrors = function () {
    this.errorsByNode = new Map();
    this.errors.forEach((e) => { if (e.node) { if (!this.errorsByNode.has(e.node)) this.errorsByNode.set(e.node, []); this.errorsByNode.get(e.node).push(e); } });
    this.graph.getNodes().forEach((n) => {
      const bad = this.errorsByNode.has(n.id);
      n.attr('body/stroke', bad ? '#b3261e' : (n.getData().highlight || '#3f6fa8'));
      n.attr('body/strokeWidth', bad ? 3 : 1.5);
      n.attr('body/fill', bad ? '#fdecea' : (n.getData().fill || '#ffffff'));
      n.attr('body/title', bad ? this.errorsByNode.get(n.id).map((e) => e.message).join('\n') : null);
    });
    this.graph.getEdges().forEach((edge) => {
      const bad = this.errors.some((e) => e.connection && e.connection.source.activity === edge.getSourceCellId() && e.connection.target.activity === edge.getTargetCellId());
      edge.attr('line/stroke', bad ? '#b3261e' : '#4a5a70');
    });
    const list = this.root.querySelector('.designer-errors');
    if (list) {
      list.replaceChildren();
      if (this.errors.length) {
        list.append(el('h3', '驗證錯誤（' + this.errors.length + '）'));
        const ul = document.createElement('ul');
        ul.className = 'errors';
        this.errors.forEach((e) => {
          const li = el('li', (e.node ? '「' + e.node + '」：' : '') + e.message);
          li.dataset.code = e.code;
          if (e.node) { li.tabIndex = 0; li.addEventListener('click', () => this.select(this.graph.getCellById(e.node))); }
          ul.append(li);
        });
        list.append(ul);
      }
    }
    this.root.dataset.errors = String(this.errors.length);
    this.showPanelErrors();
    this.updatePublish();
  };

  /** Publish stays off while the canvas has errors, is being checked, or holds changes not yet saved as a draft. */
  Designer.prototype.updatePublish = function () {
    const publish = document.getElementById(this.root.dataset.publish || 'publish-button');
    const note = document.querySelector('.designer-publish-note');
    if (!publish || this.readOnly) return;
    const reason = this.errors.length ? '還有 ' + this.errors.length + ' 個驗證錯誤，修正後才能發布。'
      : this.dirty ? '有尚未儲存的變更：請先儲存草稿再發布。'
      : this.root.dataset.validating ? '檢查中…' : '';
    publish.disabled = reason !== '';
    if (note) note.textContent = reason;
  };

  // ---- instance and diff overlays --------------------------------------------------------------------

  /**
   * Colours the diagram from a description the page gives: nodes { id: { state, note } } with state
   * executed | waiting | faulted | added | changed | removed, and edges [{ source, port, target, state }].
   */
  Designer.prototype.applyOverlay = function (overlay) {
    this.overlay = overlay;
    const colours = {
      executed: ['#2d7a46', '#eaf6ee'], waiting: ['#b26a00', '#fff4d6'], faulted: ['#b3261e', '#fdecea'],
      added: ['#2d7a46', '#eaf6ee'], changed: ['#b26a00', '#fff4d6'], removed: ['#8a8f98', '#f1f2f4'],
    };
    Object.entries(overlay.nodes || {}).forEach(([id, info]) => {
      const node = this.graph.getCellById(id);
      if (!node) return;
      const c = colours[info.state] || colours.executed;
      node.setData({ highlight: c[0], fill: c[1], state: info.state }, { silent: true });
      node.attr('body/stroke', c[0]); node.attr('body/fill', c[1]); node.attr('body/strokeWidth', info.state === 'executed' ? 2 : 3);
      if (info.state === 'removed') node.attr('body/strokeDasharray', '6 4');
      if (info.note) {
        const activity = node.getData().activity;
        node.attr('label/text', (activity.name || this.descriptorName(activity.type)) + '\n' + info.note);
      }
      node.attr('body/data-state', info.state);
      this.canvas.querySelector('[data-cell-id="' + CSS.escape(id) + '"]')?.setAttribute('data-state', info.state);
    });
    (overlay.edges || []).forEach((e) => {
      const edge = this.graph.getEdges().find((x) => x.getSourceCellId() === e.source && x.getTargetCellId() === e.target && (!e.port || x.getSourcePortId() === 'out:' + e.port));
      if (!edge) return;
      const c = colours[e.state] || colours.executed;
      edge.attr('line/stroke', c[0]); edge.attr('line/strokeWidth', 3);
      if (e.state === 'removed') edge.attr('line/strokeDasharray', '6 4');
      edge.setData({ state: e.state }, { silent: true });
      this.canvas.querySelector('[data-cell-id="' + CSS.escape(edge.id) + '"]')?.setAttribute('data-state', e.state);
    });
  };

  Designer.prototype.say = function (text) {
    if (this.status) this.status.textContent = text;
  };

  // ---- small DOM helpers -----------------------------------------------------------------------------

  let measure = null;
  /** The drawn width of an edge label (12 px text), so the layout leaves room for the whole outcome name. */
  function textWidth(text) {
    measure = measure || document.createElement('canvas').getContext('2d');
    measure.font = '12px sans-serif';
    return Math.ceil(measure.measureText(text).width);
  }

  function el(tag, text, className) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (className) e.className = className;
    return e;
  }

  function button(text, onClick, className) {
    const b = el('button', text, className);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }

  function field(text, input) {
    const wrapper = el('div', undefined, 'panel-input');
    const label = el('label', text);
    label.htmlFor = input.id;
    wrapper.append(label, input);
    return wrapper;
  }

  let fieldCount = 0;
  function textInput(value, onChange, className, readOnly, id) {
    const input = document.createElement('input');
    input.type = 'text';
    input.id = id || 'designer-field-' + (++fieldCount);
    input.value = value;
    if (className) input.className = className;
    if (readOnly) input.readOnly = true;
    if (onChange) input.addEventListener('change', () => onChange(input.value));
    return input;
  }

  /** 「3 小時」: an amount and a unit, stored as a .NET TimeSpan literal ("03:00:00"). */
  function durationEditor(id, value, onChange) {
    const box = el('div', undefined, 'duration-editor');
    const seconds = durationSeconds(value);
    const parts = seconds === null ? null : durationParts(seconds);
    const amount = document.createElement('input');
    amount.type = 'number'; amount.min = '0'; amount.step = '1'; amount.id = id;
    amount.value = parts ? String(parts.amount) : '';
    const unit = document.createElement('select');
    unit.setAttribute('aria-label', '時間單位');
    UNITS.forEach((u) => { const o = el('option', u.label); o.value = u.key; unit.append(o); });
    unit.value = parts ? parts.unit.key : 'hours';
    const shown = el('output', seconds === null ? (value ? '無法解讀：' + value : '未設定') : durationLabel(seconds), 'duration-label');
    const update = () => {
      if (amount.value === '') { shown.textContent = '未設定'; onChange(''); return; }
      const total = Math.max(0, Math.round(Number(amount.value))) * UNITS.find((u) => u.key === unit.value).seconds;
      shown.textContent = durationLabel(total);
      onChange(timeSpanText(total));
    };
    amount.addEventListener('change', update);
    unit.addEventListener('change', update);
    box.append(amount, unit, shown);
    return box;
  }

  /** Minimal colouring of a JavaScript expression: strings, numbers, keywords, calls. */
  function highlight(code) {
    const out = [];
    const re = /("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(\b\d+(?:\.\d+)?\b)|(\b(?:true|false|null|undefined|return|if|else|const|let|var|new|typeof)\b)|([A-Za-z_$][\w$]*(?=\s*\())/g;
    let last = 0; let m;
    while ((m = re.exec(code)) !== null) {
      if (m.index > last) out.push(document.createTextNode(code.slice(last, m.index)));
      const span = el('span', m[0], m[1] ? 'tok-string' : m[2] ? 'tok-number' : m[3] ? 'tok-keyword' : 'tok-call');
      out.push(span);
      last = m.index + m[0].length;
    }
    out.push(document.createTextNode(code.slice(last)));
    return out;
  }

  window.AntiDrugFlowDesigner = { Designer: Designer, durationSeconds: durationSeconds, timeSpanText: timeSpanText, durationLabel: durationLabel };

  function mountAll() {
    document.querySelectorAll('[data-designer]').forEach((root) => {
      const designer = new Designer(root);
      root.designer = designer;
      designer.start().catch((e) => {
        designer.lockField(false);
        root.dataset.failed = 'true';
        const status = root.querySelector('.designer-status');
        if (status) status.textContent = '設計器無法載入（' + e.message + '），請改用下方的 JSON 編輯。';
        root.hidden = false;
      });
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll); else mountAll();
})();
