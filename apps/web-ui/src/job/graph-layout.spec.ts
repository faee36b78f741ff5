import { fitText, GRAPH_BOX, layoutGraph } from './graph-layout';

const edge = (source: string, target: string, partitioning = 'FORWARD') => ({ source, target, partitioning });

describe('the job graph layout', () => {
  it('puts each vertex in the column of its longest path from a source', () => {
    // source -> map -> sink, and source -> sink directly: sink goes after map, not next to it.
    const layout = layoutGraph({
      vertices: [{ id: 'sink' }, { id: 'map' }, { id: 'source' }],
      edges: [edge('source', 'map'), edge('map', 'sink', 'HASH'), edge('source', 'sink', 'BROADCAST')],
    });
    const columnOf = Object.fromEntries(layout.vertices.map((vertex) => [vertex.id, vertex.column]));
    expect(columnOf).toEqual({ source: 0, map: 1, sink: 2 });
    expect(layout.vertices.map((vertex) => vertex.id)).toEqual(['sink', 'map', 'source']);
    expect(layout.width).toBe(2 * GRAPH_BOX.margin + 3 * GRAPH_BOX.width + 2 * GRAPH_BOX.columnGap);
    expect(layout.height).toBe(2 * GRAPH_BOX.margin + GRAPH_BOX.height);
  });

  it('orders rows by their inputs and centers shorter columns', () => {
    // Two pipelines joined: a1 -> b2 and a2 -> b1 would cross if kept in submission order.
    const layout = layoutGraph({
      vertices: [{ id: 'a1' }, { id: 'a2' }, { id: 'b1' }, { id: 'b2' }, { id: 'join' }],
      edges: [edge('a1', 'b2'), edge('a2', 'b1'), edge('b2', 'join'), edge('b1', 'join')],
    });
    const at = Object.fromEntries(layout.vertices.map((vertex) => [vertex.id, vertex]));
    expect([at.b2.row, at.b1.row]).toEqual([0, 1]);
    expect(at.join.y).toBe((at.b2.y + at.b1.y) / 2);
  });

  it('draws edges from the right side of the source to the left side of the target', () => {
    const layout = layoutGraph({ vertices: [{ id: 's' }, { id: 't' }], edges: [edge('s', 't', 'REBALANCE'), edge('s', 'gone')] });
    expect(layout.edges).toHaveLength(1);
    const [only] = layout.edges;
    const sx = GRAPH_BOX.margin + GRAPH_BOX.width;
    const tx = sx + GRAPH_BOX.columnGap;
    const y = GRAPH_BOX.margin + GRAPH_BOX.height / 2;
    expect(only).toEqual({ source: 's', target: 't', partitioning: 'REBALANCE', path: `M ${sx} ${y} C ${(sx + tx) / 2} ${y}, ${(sx + tx) / 2} ${y}, ${tx} ${y}`, labelX: (sx + tx) / 2, labelY: y });
  });

  it('lays out an empty graph as nothing', () => {
    expect(layoutGraph({ vertices: [], edges: [] })).toEqual({ vertices: [], edges: [], width: 0, height: 0 });
  });

  it('cuts long names', () => {
    expect(fitText('Source -> Map', 20)).toBe('Source -> Map');
    expect(fitText('Source -> FlatMap -> Filter', 10)).toBe('Source ->…');
  });
});
