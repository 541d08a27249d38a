/* A big layer drawn from our vector tiles (/tiles/<layer>/{z}/{x}/{y}.mvt), one canvas
   per tile, the way web GIS draw big layers. The browser asks for the visible tiles several
   at a time and, after a pan, only for the tiles it uncovers; each tile is decoded and drawn
   in a task of its own (at most a few thousand features). One GeoJSON request for the whole
   view was one long task of parsing it and making a Leaflet marker of every feature
   (300 ms for 5,000 points), and it was made again for every pan. */
import { VectorTile } from "../vendor/vector-tile/vector-tile.js";
import { PbfReader } from "../vendor/vector-tile/pbf.js";

// The most features a tile carries (MAX_FEATURES in layers/tiles.py): a tile that has
// this many may have left some out, which zooming in shows.
const TILE_CAP = 4000;
// Screen pixels around a symbol that still count as a click on it (a finger is not a pixel).
const TOLERANCE = 4;

export const VectorTileLayer = L.GridLayer.extend({
  /* url: a template with {z}, {x}, {y}; name: the layer's name inside the tiles (its slug);
     style: the layer's Leaflet path style; busy(change): told +1/-1 as tile requests start
     and end; changed(): told when tiles are drawn or dropped. */
  initialize(options) {
    L.GridLayer.prototype.initialize.call(this, options);
    this.drawnTiles = new Map(); // "z/x/y" -> the tile's features, in tile pixels
    this.ids = new Map(); // feature id -> in how many drawn tiles it is
    this.on("tileunload", (event) => this.dropTile(event));
  },

  createTile(coords, done) {
    const tile = L.DomUtil.create("canvas", "leaflet-tile");
    const size = this.getTileSize();
    const ratio = window.devicePixelRatio || 1;
    tile.width = size.x * ratio;
    tile.height = size.y * ratio;
    tile.key = `${coords.z}/${coords.x}/${coords.y}`;
    tile.abort = new AbortController();
    this.fetchTile(tile, coords, size, ratio).then(() => done(null, tile), (error) => error.name !== "AbortError" && done(error, tile));
    return tile;
  },

  async fetchTile(tile, coords, size, ratio) {
    const { url, name, busy } = this.options;
    busy(+1);
    try {
      const response = await fetch(L.Util.template(url, coords), { signal: tile.abort.signal });
      if (!response.ok) throw new Error(response.status);
      const data = new VectorTile(new PbfReader(await response.arrayBuffer())).layers[name];
      const features = data ? this.decode(data, size.x / data.extent) : [];
      this.paint(tile.getContext("2d"), features, ratio);
      this.drawnTiles.set(tile.key, features);
      features.forEach((f) => this.ids.set(f.id, (this.ids.get(f.id) || 0) + 1));
      this.options.changed();
    } finally {
      busy(-1);
    }
  },

  dropTile({ tile }) {
    tile.abort.abort();
    const features = this.drawnTiles.get(tile.key);
    if (!features) return;
    this.drawnTiles.delete(tile.key);
    for (const { id } of features) {
      const left = this.ids.get(id) - 1;
      if (left) this.ids.set(id, left);
      else this.ids.delete(id);
    }
    this.options.changed();
  },

  /* Each feature as {id, type, rings}: rings of points in the tile's CSS pixels. MVT y
     grows downwards like the canvas's, so no axis is flipped. */
  decode(data, scale) {
    const features = [];
    for (let i = 0; i < data.length; i++) {
      const feature = data.feature(i);
      const rings = feature.loadGeometry().map((ring) => ring.map((p) => ({ x: p.x * scale, y: p.y * scale })));
      features.push({ id: feature.id, type: feature.type, rings });
    }
    return features;
  },

  /* All of a tile's features in one path each for fill and stroke: one canvas call per
     tile rather than one per feature. Leaflet's path style and defaults. */
  paint(context, features, ratio) {
    const style = this.options.style;
    const radius = style.radius ?? 6;
    context.scale(ratio, ratio);
    context.beginPath();
    for (const { type, rings } of features) {
      for (const ring of rings) {
        if (type === 1) {
          ring.forEach(({ x, y }) => {
            context.moveTo(x + radius, y);
            context.arc(x, y, radius, 0, 2 * Math.PI);
          });
          continue;
        }
        ring.forEach(({ x, y }, j) => (j ? context.lineTo(x, y) : context.moveTo(x, y)));
        if (type === 3) context.closePath();
      }
    }
    const lines = features.length && features[0].type === 2;
    if (!lines && style.fill !== false) {
      context.fillStyle = style.fillColor || style.color || "#3388ff";
      context.globalAlpha = style.fillOpacity ?? 0.2;
      context.fill("evenodd");
    }
    if (style.stroke !== false) {
      context.strokeStyle = style.color || "#3388ff";
      context.globalAlpha = style.opacity ?? 1;
      context.lineWidth = style.weight ?? 3;
      context.lineCap = context.lineJoin = "round";
      if (style.dashArray) context.setLineDash(String(style.dashArray).split(/[ ,]+/).map(Number));
      context.stroke();
    }
  },

  /* How many different features the drawn tiles hold (one crossing tiles counts once). */
  count() {
    return this.ids.size;
  },

  /* Whether a drawn tile is full, so that some features may be missing until one zooms in. */
  capped() {
    return [...this.drawnTiles.values()].some((features) => features.length >= TILE_CAP);
  },

  /* The id of the feature drawn nearest to `latlng` (within its symbol and a few pixels),
     or null: nearest rather than topmost, so that a click on a dot among close dots opens
     that dot. */
  featureAt(latlng) {
    const map = this._map;
    // The tiles drawn are those of the nearest whole zoom, scaled to the map's zoom.
    const z = Math.round(map.getZoom());
    const size = this.getTileSize();
    const point = map.project(latlng, z);
    const x = Math.floor(point.x / size.x);
    const y = Math.floor(point.y / size.y);
    const features = this.drawnTiles.get(`${z}/${x}/${y}`) || [];
    const p = L.point(point.x - x * size.x, point.y - y * size.y);
    const style = this.options.style;
    const reach = (style.weight ?? 3) / 2 + TOLERANCE / map.getZoomScale(map.getZoom(), z);
    let found = null;
    let nearest = Infinity;
    for (const feature of features) {
      const away = distance(feature, p) - (feature.type === 1 ? style.radius ?? 6 : 0);
      if (away <= reach && away < nearest) [found, nearest] = [feature.id, away];
    }
    return found;
  },
});

/* From p to the feature's nearest point or edge, in tile pixels; 0 inside an area. */
function distance({ type, rings }, p) {
  if (type === 3 && inside(rings, p)) return 0;
  let least = Infinity;
  for (const ring of rings) {
    ring.forEach((q, j) => {
      const d = type === 1 ? p.distanceTo(q) : j ? L.LineUtil.pointToSegmentDistance(p, L.point(ring[j - 1]), L.point(q)) : Infinity;
      least = Math.min(least, d);
    });
  }
  return least;
}

/* Even-odd over all rings: inside an outer ring and not in one of its holes. */
function inside(rings, p) {
  let odd = false;
  for (const ring of rings) {
    for (let j = 0, k = ring.length - 1; j < ring.length; k = j++) {
      const a = ring[j];
      const b = ring[k];
      if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) odd = !odd;
    }
  }
  return odd;
}
