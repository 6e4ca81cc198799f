import { expect } from 'chai';
import { interpolateString } from '../../src/config/interpolate.js';

describe('${ENV} interpolation', () => {
  const env = { A: 'alpha', EMPTY: '', PATH_LIKE: '/usr/bin' };

  it('replaces ${NAME}, keeps other dollars', () => {
    expect(interpolateString('x-${A}-y', env)).to.deep.equal({ value: 'x-alpha-y', missing: [], malformed: [] });
    expect(interpolateString('${A}${PATH_LIKE}', env).value).to.equal('alpha/usr/bin');
    expect(interpolateString('cost $5 and $A', env).value).to.equal('cost $5 and $A');
    expect(interpolateString('${EMPTY}', env)).to.deep.equal({ value: '', missing: [], malformed: [] });
  });

  it('uses the default when the variable is unset or empty', () => {
    expect(interpolateString('${NOPE:-fallback}', env).value).to.equal('fallback');
    expect(interpolateString('${EMPTY:-fallback}', env).value).to.equal('fallback');
    expect(interpolateString('${A:-fallback}', env).value).to.equal('alpha');
    expect(interpolateString('${NOPE:-}', env)).to.deep.equal({ value: '', missing: [], malformed: [] });
    expect(interpolateString('${NOPE:-a:-b}', env).value).to.equal('a:-b');
  });

  it('$${ is a literal ${', () => {
    expect(interpolateString('$${A} and $${NOPE}', env)).to.deep.equal({ value: '${A} and ${NOPE}', missing: [], malformed: [] });
  });

  it('names every missing variable and every malformed reference, without echoing text', () => {
    expect(interpolateString('${X}/${A}/${Y}', env)).to.deep.equal({ value: '/alpha/', missing: ['X', 'Y'], malformed: [] });
    expect(interpolateString('${1BAD}', env).malformed).to.deep.equal(['a ${...} whose name is not a variable name']);
    expect(interpolateString('${}', env).malformed).to.deep.equal(['an empty ${}']);
    expect(interpolateString('abc ${UNCLOSED-secretvalue', env).malformed).to.deep.equal(['an unclosed ${']);
  });
});
