/* WGS84 longitude/latitude to UTM north (metres), for the pointer read-out; the page says
   which zone (47N, EPSG:32647, for the first six municipalities). Snyder's series ("Map
   Projections: A Working Manual", USGS 1987, p. 61): centimetres inside the zone, without
   a projection library. */
(function () {
  "use strict";
  const a = 6378137, f = 1 / 298.257223563, k0 = 0.9996;
  const e2 = f * (2 - f), ep2 = e2 / (1 - e2);

  function toUtm(lon, lat, zone) {
    const phi = (lat * Math.PI) / 180;
    const dLambda = ((lon - (zone * 6 - 183)) * Math.PI) / 180;
    const sin = Math.sin(phi), cos = Math.cos(phi), tan = Math.tan(phi);
    const N = a / Math.sqrt(1 - e2 * sin * sin);
    const T = tan * tan, C = ep2 * cos * cos, A = cos * dLambda;
    const M = a * ((1 - e2 / 4 - (3 * e2 ** 2) / 64 - (5 * e2 ** 3) / 256) * phi
      - ((3 * e2) / 8 + (3 * e2 ** 2) / 32 + (45 * e2 ** 3) / 1024) * Math.sin(2 * phi)
      + ((15 * e2 ** 2) / 256 + (45 * e2 ** 3) / 1024) * Math.sin(4 * phi)
      - ((35 * e2 ** 3) / 3072) * Math.sin(6 * phi));
    const easting = 500000 + k0 * N * (A + ((1 - T + C) * A ** 3) / 6 + ((5 - 18 * T + T * T + 72 * C - 58 * ep2) * A ** 5) / 120);
    const northing = k0 * (M + N * tan * ((A * A) / 2 + ((5 - T + 9 * C + 4 * C * C) * A ** 4) / 24
      + ((61 - 58 * T + T * T + 600 * C - 330 * ep2) * A ** 6) / 720));
    return [easting, lat < 0 ? northing + 10000000 : northing];
  }

  window.GIS.toUtm = toUtm;
})();
