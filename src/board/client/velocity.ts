// The velocity of the last sprints (GET /api/sprints/velocity/) on the
// sprint list: a small bar chart that is a table, so its text alternative is
// the chart itself: each sprint's committed and completed points as numbers,
// the bars beside them only drawing what the numbers say, and a sentence
// with the average.
import { request } from './api.ts';
import type { SprintVelocity } from '../history.ts'; // the server's answer, as the API sends it
import { html, View, type SafeHtml } from './view.ts';

/** "Completed 8 points a sprint on average over the last 3 sprints." (finished sprints only) */
export function velocitySummary(sprints: SprintVelocity[]): string {
  const finished = sprints.filter((sprint) => sprint.finished);
  if (finished.length === 0) return 'No finished sprint yet: velocity shows once one ends.';
  const average = Math.round((finished.reduce((sum, sprint) => sum + sprint.completed, 0) / finished.length) * 10) / 10;
  return `Completed ${average} ${average === 1 ? 'point' : 'points'} a sprint on average over the last ${finished.length === 1 ? 'sprint' : `${finished.length} sprints`}.`;
}

export function velocityTable(sprints: SprintVelocity[]): SafeHtml {
  const top = Math.max(1, ...sprints.flatMap((sprint) => [sprint.committed, sprint.completed]));
  const bar = (value: number, kind: string) => html`<span class="bar ${kind}" data-share="${Math.round((value / top) * 100)}" aria-hidden="true"></span>`;
  return html`<table>
    <caption>Velocity: story points committed and completed</caption>
    <thead><tr><th scope="col">Sprint</th><th scope="col">Committed</th><th scope="col">Completed</th></tr></thead>
    <tbody>${sprints.map(
      (sprint) => html`<tr>
        <th scope="row" dir="auto">${sprint.name || `Sprint ${sprint.sprint}`}${sprint.finished ? '' : ' (under way)'}</th>
        <td>${bar(sprint.committed, 'committed')}<span class="value">${sprint.committed}</span></td>
        <td>${bar(sprint.completed, 'completed')}<span class="value">${sprint.completed}</span></td>
      </tr>`,
    )}</tbody>
  </table>
  <p class="velocity-summary">${velocitySummary(sprints)}</p>`;
}

/** Shown once there is a sprint with points; hidden otherwise. */
export class VelocityView extends View {
  constructor() {
    super({ tagName: 'section', className: 'velocity', attributes: { 'aria-label': 'Velocity' } });
    this.el.hidden = true;
  }

  async load(url: string): Promise<void> {
    try {
      const { results } = (await request(url)) as { results: SprintVelocity[] };
      const pointed = results.some((sprint) => sprint.committed > 0 || sprint.completed > 0);
      this.el.hidden = !pointed;
      this.el.innerHTML = pointed ? velocityTable(results).value : '';
      // Widths through the CSSOM: the Content-Security-Policy refuses style attributes.
      for (const bar of this.el.querySelectorAll<HTMLElement>('.bar')) bar.style.width = `${Number(bar.dataset.share)}%`;
    } catch {
      // The sprint list is what the page is for: without velocity it still works.
      this.el.hidden = true;
    }
  }
}
