/**
 * The schema's issuer and store types are the ones keyturn can load: a type added to a
 * registry but not to the schema (or the other way round) would be refused by validate
 * (or accepted by validate and refused by plan).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ISSUER_KINDS } from '../../src/issuers/kinds.js';
import { issuerTypes } from '../../src/issuers/registry.js';
import { storeTypes } from '../../src/stores/registry.js';

const schema = JSON.parse(readFileSync(path.join(process.cwd(), 'config', 'rotation.schema.json'), 'utf8')) as {
  definitions: Record<string, { properties: { type: { enum: string[] } } }>;
};

describe('rotation.schema.json: issuer and store types', () => {
  it('lists exactly the issuer types the registry loads, each with a spec parser', () => {
    expect([...schema.definitions.issuer!.properties.type.enum].sort()).to.deep.equal([...issuerTypes()].sort());
    expect(Object.keys(ISSUER_KINDS).sort()).to.deep.equal([...issuerTypes()].sort());
  });

  it('lists exactly the store types the registry opens', () => {
    expect([...schema.definitions.store!.properties.type.enum].sort()).to.deep.equal([...storeTypes()].sort());
  });
});
