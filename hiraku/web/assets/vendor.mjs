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
];

for (const [source, target] of copies) {
  const destination = join(staticVendor, target);
  mkdirSync(dirname(destination), { recursive: true });
  copyFileSync(join(root, "node_modules", source), destination);
  console.log(`vendored ${source} -> ${target}`);
}
