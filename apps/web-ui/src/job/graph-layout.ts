// A layered layout of a job graph for an SVG: each vertex in the column of its longest path
// from a source, rows in a column ordered by where their inputs sit (fewer crossings), columns
// centered on each other. Job graphs are small (a few to a few dozen vertices), so no more is
// needed than this.
import type { JobGraphView } from '@mesoflow/web-api';

/** Sizes in SVG units. */
export const GRAPH_BOX = { width: 210, height: 66, columnGap: 96, rowGap: 28, margin: 12 } as const;

export interface PlacedVertex {
  readonly id: string;
  readonly column: number;
  readonly row: number;
  /** The box's top left corner. */
  readonly x: number;
  readonly y: number;
}

export interface PlacedEdge {
  readonly source: string;
  readonly target: string;
  readonly partitioning: string;
  /** An SVG path from the source's right side to the target's left side. */
  readonly path: string;
  /** Where the partitioning label goes (its middle). */
  readonly labelX: number;
  readonly labelY: number;
}

export interface GraphLayout {
  readonly vertices: readonly PlacedVertex[];
  readonly edges: readonly PlacedEdge[];
  readonly width: number;
  readonly height: number;
}

type Shape = Pick<JobGraphView, 'edges'> & { readonly vertices: readonly { readonly id: string }[] };

/** Each vertex's column: the length of the longest path to it from a vertex without inputs. */
function columnsOf(ids: readonly string[], edges: Shape['edges']): Map<string, number> {
  const column = new Map(ids.map((id) => [id, 0]));
  const inputs = new Map(ids.map((id) => [id, 0]));
  for (const edge of edges) inputs.set(edge.target, (inputs.get(edge.target) ?? 0) + 1);
  // Kahn's order; a cycle (which a valid job graph cannot have) just leaves its vertices where they are.
  const ready = ids.filter((id) => inputs.get(id) === 0);
  while (ready.length > 0) {
    const id = ready.shift() as string;
    for (const edge of edges) {
      if (edge.source !== id) continue;
      column.set(edge.target, Math.max(column.get(edge.target) ?? 0, (column.get(id) ?? 0) + 1));
      const left = (inputs.get(edge.target) ?? 0) - 1;
      inputs.set(edge.target, left);
      if (left === 0) ready.push(edge.target);
    }
  }
  return column;
}

/** Lays a job graph out; edges naming an unknown vertex are left out. */
export function layoutGraph(graph: Shape): GraphLayout {
  const ids = graph.vertices.map((vertex) => vertex.id);
  const known = new Set(ids);
  const edges = graph.edges.filter((edge) => known.has(edge.source) && known.has(edge.target));
  const column = columnsOf(ids, edges);
  const columnCount = Math.max(0, ...column.values()) + (ids.length === 0 ? 0 : 1);

  // Rows, column by column: by the mean row of a vertex's inputs, ties in submission order.
  const row = new Map<string, number>();
  const columns: string[][] = [];
  for (let index = 0; index < columnCount; index += 1) {
    const members = ids.filter((id) => column.get(id) === index);
    const weight = (id: string): number => {
      const inputRows = edges.filter((edge) => edge.target === id).map((edge) => row.get(edge.source) ?? 0);
      return inputRows.length === 0 ? 0 : inputRows.reduce((sum, value) => sum + value, 0) / inputRows.length;
    };
    const ordered = members.map((id, order) => ({ id, order, weight: weight(id) })).sort((a, b) => a.weight - b.weight || a.order - b.order);
    ordered.forEach((entry, position) => row.set(entry.id, position));
    columns.push(ordered.map((entry) => entry.id));
  }

  const tallest = Math.max(0, ...columns.map((members) => members.length));
  const stepX = GRAPH_BOX.width + GRAPH_BOX.columnGap;
  const stepY = GRAPH_BOX.height + GRAPH_BOX.rowGap;
  const placed = new Map<string, PlacedVertex>();
  columns.forEach((members, columnIndex) => {
    const offset = ((tallest - members.length) * stepY) / 2;
    members.forEach((id, rowIndex) => {
      placed.set(id, {
        id,
        column: columnIndex,
        row: rowIndex,
        x: GRAPH_BOX.margin + columnIndex * stepX,
        y: GRAPH_BOX.margin + offset + rowIndex * stepY,
      });
    });
  });

  const placedEdges = edges.map((edge): PlacedEdge => {
    const from = placed.get(edge.source) as PlacedVertex;
    const to = placed.get(edge.target) as PlacedVertex;
    const sx = from.x + GRAPH_BOX.width;
    const sy = from.y + GRAPH_BOX.height / 2;
    const tx = to.x;
    const ty = to.y + GRAPH_BOX.height / 2;
    const mx = (sx + tx) / 2;
    return {
      source: edge.source,
      target: edge.target,
      partitioning: edge.partitioning,
      path: `M ${sx} ${sy} C ${mx} ${sy}, ${mx} ${ty}, ${tx} ${ty}`,
      labelX: mx,
      labelY: (sy + ty) / 2,
    };
  });

  return {
    vertices: ids.map((id) => placed.get(id) as PlacedVertex),
    edges: placedEdges,
    width: columnCount === 0 ? 0 : 2 * GRAPH_BOX.margin + columnCount * stepX - GRAPH_BOX.columnGap,
    height: tallest === 0 ? 0 : 2 * GRAPH_BOX.margin + tallest * stepY - GRAPH_BOX.rowGap,
  };
}

/** Text cut to fit a box, with an ellipsis; the whole text goes in the box's tooltip. */
export function fitText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(0, maxChars - 1))}…`;
}
