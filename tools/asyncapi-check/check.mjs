// Parses AsyncAPI documents and validates them; exits 1 when the parser reports an error in any (warnings are shown).
// Usage: node check.mjs <document.json|yaml>...
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Parser } from "@asyncapi/parser";

const SEVERITY = ["error", "warning", "info", "hint"];

const files = process.argv.slice(2);
if (!files.length) {
  console.error("usage: node check.mjs <asyncapi document>...");
  process.exit(2);
}
const parser = new Parser();
let invalid = 0;
for (const file of files) {
  const path = resolve(file);
  const { document, diagnostics } = await parser.parse(await readFile(path, "utf8"), { source: path });
  for (const d of diagnostics) {
    const where = d.path.length ? d.path.join("/") : "(document)";
    console.log(`${SEVERITY[d.severity] ?? d.severity}: ${d.code}: ${d.message} at ${where}`);
  }
  const errors = diagnostics.filter((d) => d.severity === 0).length;
  const warnings = diagnostics.filter((d) => d.severity === 1).length;
  if (!document || errors) {
    console.log(`${path}: invalid AsyncAPI (${errors} errors, ${warnings} warnings)`);
    invalid += 1;
    continue;
  }
  console.log(
    `${path}: valid AsyncAPI ${document.version()}: ${document.channels().length} channels, ` +
      `${document.operations().length} operations, ${document.messages().length} messages (${warnings} warnings)`,
  );
}
process.exit(invalid ? 1 : 0);
