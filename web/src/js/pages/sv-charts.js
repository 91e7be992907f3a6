/*
 * sv-charts.js - the survey results' charts with ECharts (vendored into
 * /vendor/ by scripts/build-web.sh from the pinned npm package), in
 * ECharts' own zh/en locale, drawn on canvas with canvas tooltips (the CSP
 * allows no inline style, which HTML tooltips would need). Every chart
 * also has its figures in a table beside it, so nothing depends on the
 * library being there: without it the tables stay and a note says so.
 */
import { t, currentLang } from '../i18n.js';

const BRAND = '#8c1d18';
const RED = '#c40000';
const AMBER = '#e0a030';
const GREEN = '#2b7a3d';

let lib = null;
/* ECharts, loaded once on first use; null when it is not installed. */
export async function loadECharts() {
  if (!lib) {
    lib = import('/vendor/echarts.esm.min.js').catch(() => null);
  }
  return lib;
}

/*
 * Draw option into el; returns a handle with dispose(). The chart follows
 * the element's width (ResizeObserver).
 */
export function drawChart(echarts, el, option) {
  const chart = echarts.init(el, null, { renderer: 'canvas', locale: currentLang() === 'en' ? 'EN' : 'ZH' });
  chart.setOption({ animation: false, textStyle: { fontFamily: 'Noto Sans CJK SC, PingFang SC, sans-serif' }, ...option });
  const ro = new ResizeObserver(() => chart.resize());
  ro.observe(el);
  return {
    chart,
    dispose() {
      ro.disconnect();
      chart.dispose();
    },
  };
}

const tooltip = { trigger: 'axis', renderMode: 'richText', axisPointer: { type: 'shadow' } };

/* CSAT 1..5: how many answered each. */
export function csatOption(dist) {
  const values = [1, 2, 3, 4, 5];
  return {
    grid: { left: 44, right: 16, top: 28, bottom: 36 },
    tooltip,
    xAxis: { type: 'category', data: values.map((v) => t('sv.csat_value', { n: v })) },
    yAxis: { type: 'value', minInterval: 1, name: t('sv.chart.answers') },
    series: [{
      type: 'bar', name: t('sv.chart.answers'),
      data: values.map((v) => ({ value: Number(dist[String(v)] || 0), itemStyle: { color: v <= 2 ? RED : v === 3 ? AMBER : GREEN } })),
      label: { show: true, position: 'top' },
      barMaxWidth: 48,
    }],
  };
}

/* The NPS as a gauge from −100 to 100 (red below 0, amber to 50, green above). */
export function npsGaugeOption(score) {
  return {
    series: [{
      type: 'gauge', min: -100, max: 100, startAngle: 200, endAngle: -20, radius: '95%', center: ['50%', '60%'],
      axisLine: { lineStyle: { width: 16, color: [[0.5, RED], [0.75, AMBER], [1, GREEN]] } },
      pointer: { width: 5, itemStyle: { color: BRAND } },
      axisTick: { show: false },
      splitLine: { length: 10, lineStyle: { color: '#fff', width: 2 } },
      axisLabel: { distance: 20, fontSize: 11 },
      title: { show: false },
      detail: { valueAnimation: false, offsetCenter: [0, '42%'], fontSize: 30, fontWeight: 'bold', color: BRAND, formatter: (v) => (Math.round(v * 10) / 10).toString() },
      data: [{ value: score ?? 0, name: 'NPS' }],
    }],
  };
}

/* NPS 0..10 answers, coloured detractors / passives / promoters. */
export function npsDistOption(dist) {
  const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  return {
    grid: { left: 44, right: 16, top: 28, bottom: 36 },
    tooltip,
    xAxis: { type: 'category', data: values.map(String), name: t('sv.chart.nps_axis'), nameLocation: 'middle', nameGap: 24 },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{
      type: 'bar', name: t('sv.chart.answers'),
      data: values.map((v) => ({ value: Number(dist[String(v)] || 0), itemStyle: { color: v <= 6 ? RED : v <= 8 ? AMBER : GREEN } })),
      label: { show: true, position: 'top' },
      barMaxWidth: 32,
    }],
  };
}

/* By store: CSAT average (left axis, 0..5) and NPS (right axis, −100..100). */
export function byStoreOption(rows) {
  return {
    grid: { left: 44, right: 48, top: 40, bottom: 56 },
    tooltip,
    legend: { top: 0, data: [t('sv.csat_avg'), 'NPS'] },
    xAxis: { type: 'category', data: rows.map((r) => r.name || r.code), axisLabel: { interval: 0, overflow: 'truncate', width: 90 } },
    yAxis: [
      { type: 'value', min: 0, max: 5, name: 'CSAT' },
      { type: 'value', min: -100, max: 100, name: 'NPS' },
    ],
    series: [
      { type: 'bar', name: t('sv.csat_avg'), data: rows.map((r) => r.csat_avg), itemStyle: { color: BRAND }, barMaxWidth: 40, label: { show: true, position: 'top' } },
      { type: 'bar', name: 'NPS', yAxisIndex: 1, data: rows.map((r) => r.nps), itemStyle: { color: AMBER }, barMaxWidth: 40, label: { show: true, position: 'top' } },
    ],
  };
}
