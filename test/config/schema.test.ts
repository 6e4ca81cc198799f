import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { DURATION_PATTERN } from '../../src/config/duration.js';
import { AJV_OPTIONS, generateValidatorSource } from '../../src/config/schema-codegen.js';

const schemaText = readFileSync(path.join(process.cwd(), 'config', 'rotation.schema.json'), 'utf8');
const schema = JSON.parse(schemaText) as { definitions: Record<string, { pattern?: string }> };

describe('rotation.schema.json', () => {
  it('is what the precompiled validator was generated from (regenerate with node dist/src/config/schema-codegen.js)', () => {
    const committed = readFileSync(path.join(process.cwd(), 'src', 'config', 'validate-schema.generated.ts'), 'utf8');
    expect(committed === generateValidatorSource(schemaText), 'validate-schema.generated.ts is stale').to.equal(true);
  });

  it('holds the same duration pattern as parseDuration', () => {
    expect(schema.definitions.duration!.pattern).to.equal(DURATION_PATTERN);
  });

  it('compiles with unknown keywords refused (strictSchema) and accepts the demo file', () => {
    const validate = new Ajv({ ...AJV_OPTIONS, strictSchema: true }).compile(schema);
    const demo = parse(readFileSync(path.join(process.cwd(), 'rotation.yaml'), 'utf8')) as unknown;
    expect(validate(demo), JSON.stringify(validate.errors)).to.equal(true);
    expect(validate({ version: 2 })).to.equal(false);
  });

  it('describes every property, for editor help', () => {
    const missing: string[] = [];
    const visit = (node: unknown, where: string): void => {
      if (!node || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      const properties = record.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [name, property] of Object.entries(properties ?? {})) {
        const described = typeof property.description === 'string' || typeof property.$ref === 'string' || 'const' in property;
        if (!described && where.indexOf('/if') === -1) missing.push(`${where}/${name}`);
      }
      for (const [key, value] of Object.entries(record)) {
        if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${where}/${key}/${i}`));
        else visit(value, `${where}/${key}`);
      }
    };
    visit(schema, '#');
    expect(missing).to.deep.equal([]);
  });
});
