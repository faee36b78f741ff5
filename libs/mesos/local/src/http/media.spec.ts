import { acceptsMediaType, negotiateEventMediaType } from './media';

describe('Accept negotiation', () => {
  it.each([
    [undefined, 'application/json'],
    ['*/*', 'application/json'],
    ['application/*', 'application/json'],
    ['application/x-protobuf', 'application/x-protobuf'],
    ['application/json;q=0, application/x-protobuf', 'application/x-protobuf'],
    ['text/html', null],
  ])('Accept %p picks %p', (accept, expected) => {
    expect(negotiateEventMediaType(accept)).toBe(expected);
  });

  it('ignores case and parameters of ranges', () => {
    expect(acceptsMediaType('Application/JSON; charset=utf-8', 'application/json')).toBe(true);
  });
});
