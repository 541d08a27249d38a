#!/usr/bin/env bash
# Copies the front-end packages installed by `npm ci` into static/vendor/, so that every
# page loads them from our own host (no CDN).
set -euo pipefail
cd "$(dirname "$0")/.."
V=static/vendor
rm -rf "$V" && mkdir -p "$V/leaflet" "$V/sarabun" "$V/markercluster" "$V/chartjs" "$V/leaflet-geoman" "$V/vector-tile"
cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images "$V/leaflet/"
cp node_modules/leaflet/LICENSE "$V/leaflet/"
# Clustering keeps a map with thousands of points readable and fast.
cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
   node_modules/leaflet.markercluster/dist/MarkerCluster.css \
   node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css \
   node_modules/leaflet.markercluster/MIT-LICENCE.txt "$V/markercluster/"
# Drawing and editing for the field editor.
G=node_modules/@geoman-io/leaflet-geoman-free
cp "$G/dist/leaflet-geoman.min.js" "$G/dist/leaflet-geoman.css" "$G/LICENSE" "$V/leaflet-geoman/"
for w in 400 600; do
  cp node_modules/@fontsource/sarabun/$w.css "$V/sarabun/"
done
cp -r node_modules/@fontsource/sarabun/files "$V/sarabun/"
cp node_modules/@fontsource/sarabun/LICENSE "$V/sarabun/"
cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/LICENSE.md "$V/chartjs/"
# Decoding our vector tiles for the big layers of the web map. They are ES modules; the
# browser cannot resolve vector-tile's bare import of point-geometry without a bundler, so
# it is pointed at the copy beside it.
T=node_modules/@mapbox
sed "s#from '@mapbox/point-geometry'#from './point-geometry.js'#" "$T/vector-tile/index.js" > "$V/vector-tile/vector-tile.js"
grep -q "from './point-geometry.js'" "$V/vector-tile/vector-tile.js"
cp "$T/vector-tile/LICENSE.txt" "$V/vector-tile/LICENSE-vector-tile.txt"
cp "$T/point-geometry/index.js" "$V/vector-tile/point-geometry.js"
cp "$T/point-geometry/LICENSE" "$V/vector-tile/LICENSE-point-geometry"
cp node_modules/pbf/index.js "$V/vector-tile/pbf.js"
cp node_modules/pbf/LICENSE "$V/vector-tile/LICENSE-pbf"
