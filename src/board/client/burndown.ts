// A sprint's burndown (GET /api/sprints/<id>/burndown/) as an inline SVG
// chart: tasks remaining day by day against the ideal line, today marked, and
// a sentence ("9 of 14 tasks remaining, 3 days left") that is both shown and
// the chart's accessible description. No charting library: two polylines and
// a few labels.
import { request } from './api.ts';
import { localToday, showDate } from './dates.ts';
import type { Burndown, BurndownDay } from '../history.ts'; // the server's answer, as the API sends it
import { html, View, type SafeHtml } from './view.ts';


const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "9 of 14 tasks remaining, 3 days left", from the last day that has happened. */
export function summary(data: Burndown, today: string): string {
  const known = data.days.filter((day) => day.remaining !== null);
  const latest = known.at(-1) ?? data.days[0];
  if (!latest) return 'No days to chart.';
  const left = data.days.filter((day) => day.date > today).length;
  const time = today > data.end ? 'the sprint has ended' : left === 0 ? 'last day' : `${plural(left, 'day')} left`;
  return `${latest.remaining ?? latest.total} of ${plural(latest.total, 'task')} remaining, ${time}`;
}

const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { left: 36, right: 14, top: 14, bottom: 30 };

/** The chart; `describedBy` names the element holding the summary. */
export function chart(data: Burndown, today: string, describedBy: string): SafeHtml {
  const n = data.days.length;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const top = Math.max(1, ...data.days.map((day) => Math.max(day.total, day.ideal)));
  const x = (i: number) => MARGIN.left + (n <= 1 ? plotWidth / 2 : (i * plotWidth) / (n - 1));
  const y = (value: number) => MARGIN.top + plotHeight * (1 - value / top);
  const points = (values: Array<number | null>) =>
    values.flatMap((value, i) => (value === null ? [] : [`${x(i).toFixed(1)},${y(value).toFixed(1)}`])).join(' ');
  const remaining = data.days.map((day) => day.remaining);
  const todayIndex = data.days.findIndex((day) => day.date === today);
  const bottom = MARGIN.top + plotHeight;
  return html`<svg class="burndown-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="burndown-title" aria-describedby="${describedBy}">
    <title id="burndown-title">Burndown: tasks remaining each day against the ideal</title>
    <line class="axis" x1="${MARGIN.left}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}"></line>
    <line class="axis" x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}"></line>
    <text class="tick" x="${MARGIN.left - 6}" y="${MARGIN.top + 4}" text-anchor="end">${top}</text>
    <text class="tick" x="${MARGIN.left - 6}" y="${bottom + 4}" text-anchor="end">0</text>
    <text class="tick" x="${x(0)}" y="${HEIGHT - 8}" text-anchor="${n <= 1 ? 'middle' : 'start'}">${showDate(data.start)}</text>
    ${n > 1 && html`<text class="tick" x="${x(n - 1)}" y="${HEIGHT - 8}" text-anchor="end">${showDate(data.end)}</text>`}
    <polyline class="ideal" points="${points(data.days.map((day) => day.ideal))}"></polyline>
    <polyline class="remaining" points="${points(remaining)}" data-values="${remaining.filter((v) => v !== null).join(',')}"></polyline>
    ${remaining.map((value, i) => value !== null && html`<circle class="remaining-point" cx="${x(i).toFixed(1)}" cy="${y(value).toFixed(1)}" r="3"></circle>`)}
    ${todayIndex >= 0 && html`<line class="today" x1="${x(todayIndex).toFixed(1)}" y1="${MARGIN.top}" x2="${x(todayIndex).toFixed(1)}" y2="${bottom}"></line>
      <text class="today-label" x="${x(todayIndex).toFixed(1)}" y="${MARGIN.top - 3}" text-anchor="middle">Today</text>`}
  </svg>`;
}

/** The sprint page's chart; `refresh()` it whenever a task may have moved. */
export class BurndownView extends View {
  private timer: number | undefined;
  private loading: Promise<void> | null = null;
  private again = false;

  private readonly url: () => string | undefined;
  constructor(url: () => string | undefined) {
    super({ tagName: 'figure', className: 'burndown' });
    this.url = url;
    this.el.setAttribute('aria-busy', 'true');
  }

  /** Soon (several moves in a row cost one request), and once more if one is under way. */
  refresh(): void {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.load(), 200);
  }

  private async load(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return;
    }
    const url = this.url();
    if (!url) return;
    this.loading = (async () => {
      try {
        const data = (await request(url)) as Burndown;
        const today = localToday();
        this.el.innerHTML = html`${chart(data, today, 'burndown-summary')}
          <figcaption id="burndown-summary" class="burndown-summary">${summary(data, today)}</figcaption>
          <p class="burndown-legend"><span class="key remaining"></span> Remaining <span class="key ideal"></span> Ideal</p>`.value;
      } catch (error) {
        this.el.innerHTML = html`<figcaption class="burndown-summary">No burndown: ${error instanceof Error ? error.message : String(error)}</figcaption>`.value;
      } finally {
        this.el.removeAttribute('aria-busy');
      }
    })();
    await this.loading;
    this.loading = null;
    if (this.again) {
      this.again = false;
      await this.load();
    }
  }

  override remove(): this {
    clearTimeout(this.timer);
    return super.remove();
  }
}
