// Copies the front-end packages the templates use into static/vendor/ (no bundler needed).
import { cpSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "vendor");
const copies = [
  ["node_modules/@kern-ux/native/dist", "kern"],
  ["node_modules/htmx.org/dist/htmx.min.js", "htmx.min.js"],
];
mkdirSync(out, { recursive: true });
for (const [src, dest] of copies) {
  const from = join(root, src);
  if (!existsSync(from)) {
    console.error(`missing ${src}: run npm ci`);
    process.exit(1);
  }
  cpSync(from, join(out, dest), { recursive: true });
}
console.log("vendor assets copied to static/vendor");
