// Validates JSON values with the generated TypeScript package's zod schemas.
// usage: node validate.mjs <built package dir>  (stdin: a JSON array of cases; stdout: a JSON array)
// A case is {"schema": "<TypeName>", "value": ...} or {"message": ..., "requestMethod": "..."|null}.
// Each answer is {"ok": true, "out": <dumped JSON>} or {"ok": false, "error": "..."}.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const pkg = await import(pathToFileURL(join(process.argv[2], "dist", "index.js")).href);
const cases = JSON.parse(readFileSync(0, "utf8"));
const answers = cases.map((c) => {
  try {
    if ("schema" in c) {
      const schema = pkg[`${c.schema}Schema`];
      if (!schema) return { ok: false, error: `no schema ${c.schema}` };
      const parsed = schema.safeParse(c.value);
      return parsed.success ? { ok: true, out: JSON.parse(JSON.stringify(parsed.data)) } : { ok: false, error: parsed.error.message };
    }
    const method = c.requestMethod ?? undefined;
    const parsed = pkg.parseMessage(c.message, method);
    return { ok: true, out: pkg.dumpMessage(parsed, method) };
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error) };
  }
});
process.stdout.write(JSON.stringify(answers));
