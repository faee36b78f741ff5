import type { JobGraphView, TaskView } from '@mesoflow/web-api';
import { useMemo } from 'react';
import { fitText, GRAPH_BOX, layoutGraph } from './graph-layout';
import { vertexTaskStates } from './task-groups';

/** About how many characters of 12px text fit in a box. */
const CHARS_PER_LINE = 30;

/** The job graph: vertices as boxes in topological columns, edges labelled with their partitioning. */
export function JobGraph({ graph, tasks }: { graph: JobGraphView; tasks: readonly TaskView[] }) {
  const layout = useMemo(() => layoutGraph(graph), [graph]);
  const vertexById = useMemo(() => new Map(graph.vertices.map((vertex) => [vertex.id, vertex])), [graph]);
  return (
    <div className="graph-scroll">
      <svg className="graph" width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`} role="img" aria-label="Job graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" className="graph-arrow" />
          </marker>
        </defs>
        {layout.edges.map((edge) => (
          <g key={`${edge.source}->${edge.target}`} data-testid={`edge-${edge.source}-${edge.target}`}>
            <path d={edge.path} className="graph-edge" markerEnd="url(#arrow)" />
            <text x={edge.labelX} y={edge.labelY - 6} className="graph-edge-label" textAnchor="middle">
              {edge.partitioning}
            </text>
          </g>
        ))}
        {layout.vertices.map((placed) => {
          const vertex = vertexById.get(placed.id);
          if (vertex === undefined) return null;
          const states = vertexTaskStates(tasks, vertex.id);
          return (
            <g key={vertex.id} transform={`translate(${placed.x} ${placed.y})`} data-testid={`vertex-${vertex.id}`} className="graph-vertex">
              <title>{`${vertex.name}\n${vertex.operators.map((operator) => `${operator.name} (${operator.kind})`).join('\n')}`}</title>
              <rect width={GRAPH_BOX.width} height={GRAPH_BOX.height} rx="6" />
              <text x="10" y="20" className="graph-vertex-name">
                {fitText(vertex.name, CHARS_PER_LINE)}
              </text>
              <text x="10" y="38" className="graph-vertex-detail" data-testid={`vertex-parallelism-${vertex.id}`}>
                {`parallelism ${vertex.parallelism} (max ${vertex.maxParallelism})`}
              </text>
              <text x="10" y="55" className="graph-vertex-detail">
                {fitText(states === '' ? 'no tasks' : states, CHARS_PER_LINE + 4)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
