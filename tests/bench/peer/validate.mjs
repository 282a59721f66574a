// The peer validator of cara-bench's validation step: what a JavaScript tool
// does with the same manifests caractrl checks. Each file is parsed with
// `yaml` (documents with node ranges, like caractrl's positions) and every
// document is validated with ajv (draft-07, ajv-formats for date-time, all
// errors) against our own schemas/*.json, chosen by `kind`. No semantic
// rules: the peer does less than caractrl.
//
//   node validate.mjs SCHEMA_DIR MANIFEST_DIR [REPETITIONS]
//
// The files are read into memory and the schemas compiled before the clock
// starts; the best of REPETITIONS (default 3) passes is reported, on one
// thread, as one JSON line on stdout. Exits 1 if a document does not parse or
// validate: the generated manifests are valid, so a rejection means the
// comparison is wrong.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

const require = createRequire(import.meta.url);

function fail(message) {
  process.stderr.write(`peer validator: ${message}\n`);
  process.exit(1);
}

// kind → compiled validator, from every schema's top-level `title`.
function compileSchemas(dir) {
  const ajv = new Ajv({ allErrors: true });
  addFormats(ajv);
  const byKind = new Map();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const schema = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    byKind.set(schema.title, ajv.compile(schema));
  }
  return byKind;
}

function readManifests(dir) {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

// Parses and validates every document; returns how many there were.
function validateAll(files, byKind) {
  let documents = 0;
  for (const file of files) {
    for (const doc of parseAllDocuments(file.text)) {
      if (doc.errors.length > 0) fail(`${file.name}: ${doc.errors[0].message}`);
      const value = doc.toJS();
      const validate = byKind.get(value?.kind);
      if (!validate) fail(`${file.name}: no schema for kind ${value?.kind}`);
      if (!validate(value)) fail(`${file.name}: ${JSON.stringify(validate.errors[0])}`);
      ++documents;
    }
  }
  return documents;
}

const [schemaDir, manifestDir, repetitionsArg] = process.argv.slice(2);
if (!schemaDir || !manifestDir) fail('usage: node validate.mjs SCHEMA_DIR MANIFEST_DIR [REPETITIONS]');
const repetitions = Math.max(1, Number(repetitionsArg ?? 3));

const byKind = compileSchemas(schemaDir);
const files = readManifests(manifestDir);
let documents = 0;
let best = Infinity;
for (let i = 0; i < repetitions; ++i) {
  const start = process.hrtime.bigint();
  documents = validateAll(files, byKind);
  best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
}
process.stdout.write(
  JSON.stringify({
    documents,
    seconds: best,
    node: process.version,
    ajv: require('ajv/package.json').version,
    yaml: require('yaml/package.json').version,
  }) + '\n',
);
