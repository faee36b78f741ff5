import { authenticateBasic, parseCredentials } from './credentials';

describe('credentials', () => {
  it('reads the JSON and the text format', () => {
    expect(parseCredentials('{"credentials":[{"principal":"p","secret":"s"}]}')).toEqual([{ principal: 'p', secret: 's' }]);
    expect(parseCredentials('p1 s1\n# comment\np2 s2\n')).toEqual([
      { principal: 'p1', secret: 's1' },
      { principal: 'p2', secret: 's2' },
    ]);
    expect(() => parseCredentials('{"credentials":[{"principal":1}]}')).toThrow(/needs string 'principal' and 'secret'/);
  });

  it('authenticates basic credentials like libprocess', () => {
    const credentials = [{ principal: 'p', secret: 's' }];
    const header = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
    expect(authenticateBasic(header('p:s'), credentials)).toBe('p');
    expect(authenticateBasic(header('p:x'), credentials)).toBeNull();
    expect(authenticateBasic(header('p:s:extra'), credentials)).toBeNull();
    expect(authenticateBasic('Bearer abc', credentials)).toBeNull();
    expect(authenticateBasic(undefined, credentials)).toBeNull();
  });
});
