// Copies third-party front-end files from node_modules into the Django static
// folder, so the site is served without any CDN. Run with `npm run vendor`
// after changing a version in package.json, then commit the copied files.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const staticVendor = join(root, "hiraku", "web", "static", "web", "vendor");

const copies = [
  ["@digital-go-jp/design-tokens/dist/tokens.css", "design-tokens/tokens.css"],
  ["@digital-go-jp/design-tokens/LICENSE", "design-tokens/LICENSE"],
  ["@digital-go-jp/design-tokens/package.json", "design-tokens/package.json"],
  // Resource previews: map of point rows and GeoJSON, chart builder.
  ["leaflet/dist/leaflet.js", "leaflet/leaflet.js"],
  ["leaflet/dist/leaflet.css", "leaflet/leaflet.css"],
  ["leaflet/dist/images/marker-icon.png", "leaflet/images/marker-icon.png"],
  ["leaflet/dist/images/marker-icon-2x.png", "leaflet/images/marker-icon-2x.png"],
  ["leaflet/dist/images/marker-shadow.png", "leaflet/images/marker-shadow.png"],
  ["leaflet/dist/images/layers.png", "leaflet/images/layers.png"],
  ["leaflet/LICENSE", "leaflet/LICENSE"],
  ["leaflet.markercluster/dist/leaflet.markercluster.js", "leaflet.markercluster/leaflet.markercluster.js"],
  ["leaflet.markercluster/dist/MarkerCluster.css", "leaflet.markercluster/MarkerCluster.css"],
  ["leaflet.markercluster/dist/MarkerCluster.Default.css", "leaflet.markercluster/MarkerCluster.Default.css"],
  ["leaflet.markercluster/MIT-LICENCE.txt", "leaflet.markercluster/LICENSE"],
  ["chart.js/dist/chart.umd.min.js", "chart.js/chart.umd.min.js"],
  ["chart.js/LICENSE.md", "chart.js/LICENSE.md"],
];

for (const [source, target] of copies) {
  const destination = join(staticVendor, target);
  mkdirSync(dirname(destination), { recursive: true });
  copyFileSync(join(root, "node_modules", source), destination);
  console.log(`vendored ${source} -> ${target}`);
}
