import { describe, expect, it } from 'vitest';
import { ParamError, Params, parseFormParams } from './params.ts';

describe('form parameters', () => {
  it('builds nested hashes and lists the way Stripe reads brackets', () => {
    const tree = parseFormParams('mode=subscription&line_items[0][price_data][recurring][interval]=month&line_items[0][quantity]=1&expand[]=a&expand[]=b&metadata[x]=1');
    const params = new Params(tree, 'brackets');
    const [line] = params.list('line_items');
    expect(line?.object('price_data')?.object('recurring')?.oneOf('interval', ['month'])).toBe('month');
    expect(line?.integer('quantity')).toBe(1);
    expect(params.strings('expand')).toEqual(['a', 'b']);
    expect(params.record('metadata', { maxKeys: 50, maxKeyLength: 40, maxValueLength: 500 })).toEqual({ x: '1' });
  });

  it('keeps __proto__ as a plain key', () => {
    const tree = parseFormParams('__proto__[polluted]=yes');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(() => new Params(tree, 'brackets').rejectUnknown()).toThrow('Received unknown parameter: __proto__');
  });

  it.each(['a[b=1', 'a]=1', '[a]=1', 'a=1&a[b]=2', 'a[b]=2&a=1', 'a[1][2][3][4][5][6][7][8]=1'])('refuses the malformed %s', (body) => {
    expect(() => parseFormParams(body)).toThrow(ParamError);
  });

  it('names what is wrong, with the parameter as the client wrote it', () => {
    const params = new Params(parseFormParams('line_items[0][quantity]=two&extra=1'), 'brackets');
    const [line] = params.list('line_items');
    expect(() => line?.integer('quantity')).toThrow('line_items[0][quantity] must be an integer, not "two".');
    expect(() => params.rejectUnknown()).toThrow('Received unknown parameter: extra');
    expect(() => new Params({ item: {} }, 'dots').object('item')?.string('name', { required: true })).toThrow('Missing required parameter item.name.');
  });

  it('reads JSON values too: numbers, booleans, 0/1', () => {
    const params = new Params({ total_count: 12, cancel_at_cycle_end: 1, customer_notify: false }, 'dots');
    expect(params.integer('total_count')).toBe(12);
    expect(params.boolean('cancel_at_cycle_end')).toBe(true);
    expect(params.boolean('customer_notify')).toBe(false);
  });
});
