// The app's OpenAPI document (JSON, on stdin) -> TypeScript types, written to the file named by the
// one argument. `make api-types` runs it on `python -m odh_tec.openapi`; a test checks that the
// committed src/api/schema.d.ts is what it writes today.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import * as prettier from 'prettier';

const output = process.argv[2];
if (!output) {
  console.error('usage: python -m odh_tec.openapi | node scripts/api-types.mjs OUTPUT.d.ts');
  process.exit(2);
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const document = JSON.parse(Buffer.concat(chunks).toString('utf8'));

// pydantic titles every property after its own name ("Repo Id"): noise as a doc comment on `repo_id`.
function dropPropertyTitles(node) {
  if (Array.isArray(node)) node.forEach(dropPropertyTitles);
  else if (node && typeof node === 'object') {
    for (const property of Object.values(node.properties ?? {})) delete property.title;
    Object.values(node).forEach(dropPropertyTitles);
  }
}
dropPropertyTitles(document);
const ast = await openapiTS(document, {
  // A property with a default may be absent from an answer (pydantic leaves such fields out of
  // `required`): keep it optional rather than trust the default to be sent.
  defaultNonNullable: false,
});

const header = `/**
 * Generated from the app's OpenAPI document by openapi-typescript: do not edit by hand.
 * Regenerate with \`make api-types\` after changing a route or a response model.
 */

`;
// Formatted like the rest of src/ (the project's prettier settings, wherever the output goes), so
// `npm run lint` accepts the committed file as it is.
const here = fileURLToPath(new URL('../src/api/schema.d.ts', import.meta.url));
const options = (await prettier.resolveConfig(here)) ?? {};
const text = await prettier.format(header + astToString(ast), { ...options, parser: 'typescript' });
writeFileSync(output, text);
