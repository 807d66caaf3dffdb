// A sprint's burndown (GET /api/sprints/<id>/burndown/) as an inline SVG
// chart: tasks remaining day by day against the ideal line, today marked, and
// a sentence ("9 of 14 tasks remaining, 3 days left; 2 tasks behind the
// ideal line") that is both shown and the chart's accessible description, and
// the day values as a table for screen readers. No charting library: two
// polylines and a few labels, drawn at the width shown.
import { request } from './api.ts';
import { localToday, showDate } from './dates.ts';
import type { Burndown, BurndownDay } from '../history.ts'; // the server's answer, as the API sends it
import { html, View, type SafeHtml } from './view.ts';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
/** What the counts are: "task" or "point" (?by=points). */
const unit = (data: Burndown): string => (data.by === 'points' ? 'point' : 'task');

/** The last day that has happened (or the first, before any has). */
const latestOf = (data: Burndown): BurndownDay | undefined => data.days.filter((day) => day.remaining !== null).at(-1) ?? data.days[0];

/** "2 tasks behind the ideal line": the latest day's remaining against the ideal for that day. */
export function pace(data: Burndown): string {
  const latest = latestOf(data);
  if (!latest || latest.remaining === null) return 'not started yet';
  const difference = Math.round((latest.remaining - latest.ideal) * 10) / 10;
  if (difference === 0) return 'on the ideal line';
  return `${plural(Math.abs(difference), unit(data))} ${difference > 0 ? 'behind' : 'ahead of'} the ideal line`;
}

/** "9 of 14 tasks remaining, 3 days left; 2 tasks behind the ideal line", from the last day that has happened. */
export function summary(data: Burndown, today: string): string {
  const latest = latestOf(data);
  if (!latest) return 'No days to chart.';
  const left = data.days.filter((day) => day.date > today).length;
  const time = today > data.end ? 'the sprint has ended' : left === 0 ? 'last day' : `${plural(left, 'day')} left`;
  return `${latest.remaining ?? latest.total} of ${plural(latest.total, unit(data))} remaining, ${time}; ${pace(data)}.`;
}

/**
 * Drawn at the width it is shown at (one unit, one CSS pixel), so its labels
 * keep their size on a phone instead of shrinking with a scaled drawing.
 */
export const MIN_WIDTH = 260;
const HEIGHT = 220;
/** Room above the plot for "Today", below it for the dates, left of it for the counts. */
const MARGIN = { left: 36, right: 14, top: 26, bottom: 30 };
/** Labels never smaller than this, in CSS pixels (board.css sets the same). */
export const LABEL_PX = 12;

/** The chart, `width` CSS pixels wide; `describedBy` names the element holding the summary. */
export function chart(data: Burndown, today: string, describedBy: string, width: number): SafeHtml {
  const WIDTH = Math.max(MIN_WIDTH, Math.round(width));
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
  // "Today" sits in the row above the plot, right of the counts' column, and inside the chart at either end.
  const todayX = todayIndex >= 0 ? x(todayIndex) : 0;
  const todayAnchor = todayX - MARGIN.left < 24 ? 'start' : WIDTH - MARGIN.right - todayX < 24 ? 'end' : 'middle';
  return html`<svg class="burndown-chart" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="burndown-title" aria-describedby="${describedBy}">
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
    ${todayIndex >= 0 && html`<line class="today" x1="${todayX.toFixed(1)}" y1="${MARGIN.top}" x2="${todayX.toFixed(1)}" y2="${bottom}"></line>
      <text class="today-label" x="${todayX.toFixed(1)}" y="${MARGIN.top - 8}" text-anchor="${todayAnchor}">Today</text>`}
  </svg>`;
}

/** The day values, for screen readers (and anyone who wants the numbers): a table, visually hidden. */
export function dayTable(data: Burndown): SafeHtml {
  return html`<table class="visually-hidden burndown-days">
    <caption>Tasks each day of the sprint</caption>
    <thead><tr><th scope="col">Day</th><th scope="col">Remaining</th><th scope="col">Completed</th><th scope="col">Ideal</th></tr></thead>
    <tbody>${data.days.map(
      (day) => html`<tr><th scope="row">${showDate(day.date)}</th><td>${day.remaining ?? '—'}</td><td>${day.completed ?? '—'}</td><td>${day.ideal}</td></tr>`,
    )}</tbody>
  </table>`;
}

/** What the figure holds: the chart, its legend, the table, and the summary as the caption (last, as a figure's caption must be first or last). */
export function figure(data: Burndown, today: string, width: number): SafeHtml {
  return html`${chart(data, today, 'burndown-summary', width)}
    <p class="burndown-legend" aria-hidden="true"><span class="key remaining"></span> Remaining <span class="key ideal"></span> Ideal</p>
    ${dayTable(data)}
    <figcaption id="burndown-summary" class="burndown-summary">${summary(data, today)}</figcaption>`;
}

/** The sprint page's chart; `refresh()` it whenever a task may have moved. */
export class BurndownView extends View {
  private timer: number | undefined;
  private loading: Promise<void> | null = null;
  private again = false;
  private data: Burndown | null = null;
  private drawnWidth = 0;
  private readonly resized = new ResizeObserver(() => this.draw());

  /** Tasks or story points: the person's choice, kept while the board is open. */
  private by: 'tasks' | 'points' = 'tasks';

  private readonly url: () => string | undefined;
  constructor(url: () => string | undefined) {
    super({ tagName: 'figure', className: 'burndown' });
    this.url = url;
    this.el.setAttribute('aria-busy', 'true');
    this.resized.observe(this.el);
    this.el.addEventListener('change', (event) => {
      const input = event.target as HTMLInputElement;
      if (input.name !== 'burndown-by') return;
      this.by = input.value === 'points' ? 'points' : 'tasks';
      void this.load();
    });
  }

  /**
   * The switch between tasks and points, drawn once and kept through the chart's redraws: a redraw (another task moved,
   * the window resized) replacing it under a click took the click's focus with it.
   */
  private unitSwitch(): string {
    const option = (value: 'tasks' | 'points', label: string) =>
      html`<label><input type="radio" name="burndown-by" value="${value}" ${this.by === value ? 'checked' : ''}> ${label}</label>`.value;
    return `<fieldset class="burndown-unit"><legend>Count</legend>${option('tasks', 'Tasks')}${option('points', 'Story points')}</fieldset>`;
  }

  /** Soon (several moves in a row cost one request), and once more if one is under way. */
  refresh(): void {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.load(), 200);
  }

  /** Draw the data at the figure's width; again only when that width changed. */
  private draw(force = false): void {
    const style = getComputedStyle(this.el);
    const width = this.el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    // A figure taken off the page (its sprint deleted, the board left) has no width: its padding reads as NaN.
    if (!this.data || !(width > 0) || (!force && Math.abs(width - this.drawnWidth) < 1)) return;
    this.drawnWidth = width;
    let unitSwitch = this.el.querySelector('.burndown-unit');
    if (!unitSwitch) {
      this.el.innerHTML = this.unitSwitch();
      unitSwitch = this.el.firstElementChild!;
    }
    while (unitSwitch.nextSibling) unitSwitch.nextSibling.remove();
    unitSwitch.insertAdjacentHTML('afterend', figure(this.data, localToday(), width).value);
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
        this.data = (await request(this.by === 'points' ? `${url}?by=points` : url)) as Burndown;
        this.draw(true);
      } catch (error) {
        this.data = null;
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
    this.resized.disconnect();
    return super.remove();
  }
}
