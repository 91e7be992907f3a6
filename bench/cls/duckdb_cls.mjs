// duckdb_cls.mjs - laoke's classification (src/core/classify.h, issue 6) as DuckDB SQL,
// the limit bench/cls/run.sh measures `laoke classify` against. Not a test.
//
//   node duckdb_cls.mjs to-parquet CSV_DIR PARQUET_DIR
//       the CSV files of run.sh as Parquet (an export step: not DuckDB's time)
//   node duckdb_cls.mjs classify --format csv|parquet --dir DIR --as-of UNIX_S
//       --tz MINUTES --settings JSON --out COUNTS.tsv [--laoke-current FILE.csv]
//       every live guest's frequency tier, spend tier, preference, lifecycle,
//       at_risk, grade, vip and RFM segment from the raw files; writes the counts
//       per field and value (field<TAB>value<TAB>n) and prints one JSON line:
//       {"seconds": the SQL from opening DuckDB to the counts, "max_rss_kb",
//        "cuts": {"r": [...], "f": [...], "m": [...]}, "guests", "scored"}.
//       With --laoke-current (laoke's cls_current as CSV) it also compares guest by
//       guest and prints the first differing guests per field (a debugging aid;
//       run.sh does that in a separate, untimed run).
//
// The input files (run.sh writes them from laoke's SQLite database):
//   visits     customer_id, visited_at, amount_fen      every visit of a guest
//   guests     id, created_at, home_store_id            the live guests
//   cat_spend  customer_id, meat, seafood, vegetable, soup_base, staple, snack,
//              drink, dessert                           all-time spend per dish
//                                                       category (customer_stats)
//   prefs      id, customer_id, value                   every 'preference' fact
//
// What laoke reads from its aggregates, DuckDB computes from the visits: visit
// count, total spend, first and last visit, and the day log of core/daylog.h (the
// visit days in the 731 days up to the guest's newest visit day; the windows and
// the mean gap come from it). Local days are days in the zone --tz minutes east
// of UTC, floor((t + tz * 60) / 86400). The SQL is one GROUP BY guest over the
// visits, each guest's visits kept as a list of {day, amount} that the windows
// filter; a GROUP BY (guest, day) first, as the day log is built, took 2-3 times
// as long (10M groups). The staff preference is the text of the guest's latest
// 'preference' fact (highest id) mapped as lk_cls_preference_from_text() does (the
// API words exactly, then the Chinese staff write, negations excluded); a latest
// text that maps to nothing leaves the preference to the spend shares, as in laoke.
// The rating condition of "loyal" always holds: laoke has no ratings to read.
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DAYLOG_DAYS = 731; // LK_DAYLOG_DAYS

function usage(msg) {
	if (msg) console.error(`duckdb_cls.mjs: ${msg}`);
	console.error('usage: duckdb_cls.mjs to-parquet CSV_DIR PARQUET_DIR\n' +
		'       duckdb_cls.mjs classify --format csv|parquet --dir DIR --as-of UNIX_S --tz MIN\n' +
		'                                --settings JSON --out FILE [--laoke-current FILE]');
	process.exit(2);
}

const TABLES = {
	visits: { customer_id: 'BIGINT', visited_at: 'BIGINT', amount_fen: 'BIGINT' },
	guests: { id: 'BIGINT', created_at: 'BIGINT', home_store_id: 'BIGINT' },
	cat_spend: {
		customer_id: 'BIGINT', meat: 'BIGINT', seafood: 'BIGINT', vegetable: 'BIGINT',
		soup_base: 'BIGINT', staple: 'BIGINT', snack: 'BIGINT', drink: 'BIGINT',
		dessert: 'BIGINT',
	},
	prefs: { id: 'BIGINT', customer_id: 'BIGINT', value: 'VARCHAR' },
};

const sqlStr = (s) => `'${String(s).replace(/'/g, "''")}'`;

// read_csv with the columns given (no sniffing), as sqlite3 -csv -header writes them
function csvSource(dir, t) {
	const cols = Object.entries(TABLES[t]).map(([k, v]) => `${sqlStr(k)}: ${sqlStr(v)}`);
	return `read_csv(${sqlStr(join(dir, t + '.csv'))}, header = true, auto_detect = false,` +
		` delim = ',', quote = '"', escape = '"', columns = {${cols.join(', ')}})`;
}

const parquetSource = (dir, t) => `read_parquet(${sqlStr(join(dir, t + '.parquet'))})`;

async function toParquet(csvDir, pqDir) {
	const db = await DuckDBInstance.create(':memory:');
	const c = await db.connect();
	for (const t of Object.keys(TABLES))
		await c.run(`COPY (SELECT * FROM ${csvSource(csvDir, t)}) TO ` +
			`${sqlStr(join(pqDir, t + '.parquet'))} (FORMAT parquet)`);
	c.closeSync();
	db.closeSync();
}

function intOf(v, name) {
	if (typeof v !== 'number' || !Number.isFinite(v)) usage(`settings: ${name} is not a number`);
	return v;
}

// the per-guest classification as one statement; s = the run's settings (JSON of
// cls_runs.settings), today = the local day of the run's as_of
function classifySql(src, s, today, tzs) {
	const I = intOf;
	const fw = I(s.frequency.window_days, 'frequency.window_days');
	const sw = I(s.spend.window_days, 'spend.window_days');
	const rw = I(s.grade.rising_window_days, 'grade.rising_window_days');
	const fhigh = I(s.frequency.high, 'frequency.high'), fmid = I(s.frequency.mid, 'frequency.mid');
	const shigh = I(s.spend.high_fen, 'spend.high_fen'), smid = I(s.spend.mid_fen, 'spend.mid_fen');
	const seaPct = I(s.preference.seafood_min_pct, 'preference.seafood_min_pct');
	const meatPct = I(s.preference.meat_min_pct, 'preference.meat_min_pct');
	const newD = I(s.lifecycle.new_days, 'lifecycle.new_days');
	const actD = I(s.lifecycle.active_days, 'lifecycle.active_days');
	const dorD = I(s.lifecycle.dormant_days, 'lifecycle.dormant_days');
	const minVisits = I(s.rhythm.min_visits, 'rhythm.min_visits');
	const factor = I(s.rhythm.factor, 'rhythm.factor');
	const minDays = I(s.rhythm.min_days, 'rhythm.min_days');
	const tenure = I(s.grade.loyal_tenure_days, 'grade.loyal_tenure_days');
	const ppv = I(s.grade.potential_per_visit_fen, 'grade.potential_per_visit_fen');
	const risingMin = I(s.grade.rising_min_visits, 'grade.rising_min_visits');
	const vipFen = I(s.vip.spend_fen, 'vip.spend_fen');
	// floor division (DuckDB's // truncates toward zero)
	const lday = (t) => `((${t} + ${tzs}) - (((${t} + ${tzs}) % 86400) + 86400) % 86400) // 86400`;
	// factor as a double literal, the same IEEE value the C code multiplies by
	const factorLit = `${factor}::DOUBLE`;
	return `
CREATE TEMP TABLE cls AS
WITH v AS (
	SELECT customer_id AS id, ${lday('visited_at')} AS day, visited_at, amount_fen
	FROM ${src.visits} WHERE customer_id IS NOT NULL
), va AS (              -- all time (customer_stats' counters), and every visit's day and amount
	SELECT id, count(*) AS visit_count, sum(amount_fen) AS total_spend, min(visited_at) AS first_at,
	       max(visited_at) AS last_at, max(day) AS newest, list({'d': day, 'a': amount_fen}) AS vs
	FROM v GROUP BY id
), vl AS (              -- the day log keeps the ${DAYLOG_DAYS} days up to the newest one
	SELECT * EXCLUDE (vs), list_filter(vs, x -> x.d >= newest - ${DAYLOG_DAYS - 1}) AS lv FROM va
), lg AS (
	SELECT id, visit_count, total_spend, first_at, last_at,
	       length(list_filter(lv, x -> x.d BETWEEN ${today - fw + 1} AND ${today})) AS visits_w,
	       coalesce(list_sum(list_transform(
	         list_filter(lv, x -> x.d BETWEEN ${today - sw + 1} AND ${today}), x -> x.a)), 0) AS spend_w,
	       length(list_filter(lv, x -> x.d BETWEEN ${today - rw + 1} AND ${today})) AS v_rise,
	       length(list_filter(lv, x -> x.d BETWEEN ${today - 2 * rw + 1} AND ${today - rw})) AS v_before,
	       length(list_distinct(list_transform(lv, x -> x.d))) AS ndays,
	       newest - list_min(list_transform(lv, x -> x.d)) AS span
	FROM vl
), pf AS (              -- each guest's latest preference fact (highest id)
	SELECT customer_id AS id, arg_max(value, id) AS txt FROM ${src.prefs} GROUP BY customer_id
), b AS (
	SELECT g.id, coalesce(g.home_store_id, 0) AS store, coalesce(g.created_at, 0) AS created_at,
	       lg.id IS NULL AS never,
	       coalesce(lg.visit_count, 0) AS visit_count, coalesce(lg.total_spend, 0) AS total,
	       lg.first_at, lg.last_at,
	       coalesce(lg.visits_w, 0) AS visits_w, coalesce(lg.spend_w, 0) AS spend_w,
	       coalesce(lg.v_rise, 0) AS v_rise, coalesce(lg.v_before, 0) AS v_before,
	       coalesce(lg.ndays, 0) AS ndays,
	       CASE WHEN coalesce(lg.ndays, 0) >= 2 THEN lg.span::DOUBLE / (lg.ndays - 1) ELSE 0 END AS gap,
	       greatest(coalesce(c.meat, 0), 0) AS c_meat, greatest(coalesce(c.seafood, 0), 0) AS c_sea,
	       greatest(coalesce(c.vegetable, 0), 0) AS c_veg, greatest(coalesce(c.soup_base, 0), 0) AS c_soup,
	       greatest(coalesce(c.staple, 0), 0) AS c_staple, greatest(coalesce(c.snack, 0), 0) AS c_snack,
	       greatest(coalesce(c.dessert, 0), 0) AS c_dessert,
	       CASE   -- lk_cls_preference_from_text()
	         WHEN pf.txt IN ('mixed', 'vegetarian', 'meat', 'seafood') THEN pf.txt
	         WHEN contains(pf.txt, '无肉不欢') THEN 'meat'
	         WHEN contains(pf.txt, '不') OR contains(pf.txt, '忌') OR contains(pf.txt, '别')
	              OR contains(pf.txt, '没') THEN NULL
	         WHEN contains(pf.txt, '素') THEN 'vegetarian'
	         WHEN contains(pf.txt, '海鲜') THEN 'seafood'
	         WHEN contains(pf.txt, '肉') THEN 'meat'
	         WHEN contains(pf.txt, '都吃') OR contains(pf.txt, '混合') THEN 'mixed'
	       END AS staff_pref
	FROM ${src.guests} g
	LEFT JOIN lg ON lg.id = g.id
	LEFT JOIN ${src.cat_spend} c ON c.customer_id = g.id
	LEFT JOIN pf ON pf.id = g.id
), d AS (
	SELECT *,
	       c_meat + c_sea + c_veg + c_soup + c_staple + c_snack + c_dessert AS food,
	       CASE WHEN never THEN NULL ELSE greatest(${today} - ${lday('last_at')}, 0) END AS dl,
	       CASE WHEN never THEN NULL ELSE greatest(${today} - ${lday('first_at')}, 0) END AS df,
	       CASE WHEN created_at <> 0 THEN greatest(${today} - ${lday('created_at')}, 0) ELSE 0 END AS age,
	       CASE WHEN visits_w >= ${fhigh} THEN 'high' WHEN visits_w >= ${fmid} THEN 'mid' ELSE 'low' END AS frequency_tier,
	       CASE WHEN spend_w >= ${shigh} THEN 'high' WHEN spend_w >= ${smid} THEN 'mid' ELSE 'low' END AS spend_tier
	FROM b
), e AS (
	SELECT *,
	       coalesce(staff_pref, CASE
	         WHEN food <= 0 THEN 'mixed'
	         WHEN c_meat = 0 AND c_sea = 0 THEN 'vegetarian'
	         WHEN c_sea > greatest(c_meat, c_veg, c_soup, c_staple, c_snack, c_dessert)
	              AND c_sea * 100 >= ${seaPct} * food THEN 'seafood'
	         WHEN c_meat > greatest(c_sea, c_veg, c_soup, c_staple, c_snack, c_dessert)
	              AND c_meat * 100 >= ${meatPct} * food THEN 'meat'
	         ELSE 'mixed' END) AS preference,
	       CASE
	         WHEN never THEN CASE WHEN age <= ${newD} THEN 'new' WHEN age <= ${dorD} THEN 'dormant' ELSE 'churned' END
	         WHEN df <= ${newD} THEN 'new' WHEN dl <= ${actD} THEN 'active'
	         WHEN dl <= ${dorD} THEN 'dormant' ELSE 'churned' END AS lifecycle
	FROM d
)
SELECT id, store, never, dl, visit_count, total, frequency_tier, spend_tier, preference,
       staff_pref IS NOT NULL AS preference_by_staff, lifecycle,
       (lifecycle <> 'churned' AND NOT never AND ndays >= ${minVisits} AND gap > 0
        AND dl::DOUBLE > ${factorLit} * gap AND dl > ${minDays}) AS at_risk,
       CASE
         WHEN NOT never AND df >= ${tenure} AND frequency_tier = 'high' AND spend_tier <> 'low'
           THEN 'loyal'   -- no ratings in laoke's data: the rating condition holds
         WHEN (visit_count > 0 AND total >= ${ppv} * visit_count)
              OR (v_rise > v_before AND v_rise >= ${risingMin}) THEN 'potential'
         ELSE 'ordinary' END AS grade,
       total > ${vipFen} AS vip
FROM e`;
}

// nearest-rank quintile cuts over the scored guests: cut k = the smallest value
// with at least ceil(k * n / 5) values at or below it, i.e. sorted[ceil(k*n/5) - 1]
const CUTS_SQL = `
CREATE TEMP TABLE cuts AS
WITH v AS (
	SELECT 'r' AS k, dl AS v FROM cls WHERE NOT never
	UNION ALL SELECT 'f', visit_count FROM cls WHERE NOT never
	UNION ALL SELECT 'm', total FROM cls WHERE NOT never
), h AS (SELECT k, v, count(*) AS c FROM v GROUP BY ALL
), cum AS (
	SELECT k, v, sum(c) OVER (PARTITION BY k ORDER BY v) AS cum, sum(c) OVER (PARTITION BY k) AS n FROM h
)
SELECT k, q, min(v) AS cut FROM cum, range(1, 5) t(q) WHERE cum >= (q * n + 4) // 5 GROUP BY k, q`;

// scores, segment (the grid of classify.h), and the counts per field and value
function scoreSql() {
	const above = (col, k) => [1, 2, 3, 4].map((q) => `(${col} > ${k}${q})::INT`).join(' + ');
	const grid = `[
		['lost', 'hibernating', 'at_risk', 'at_risk', 'cannot_lose'],
		['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cannot_lose'],
		['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal', 'loyal'],
		['promising', 'potential_loyalist', 'potential_loyalist', 'loyal', 'loyal'],
		['new_customers', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions']]`;
	const cut = (k, q) => `coalesce(max(cut) FILTER (WHERE k = '${k}' AND q = ${q}), 0) AS ${k}${q}`;
	const cols = ['r', 'f', 'm'].flatMap((k) => [1, 2, 3, 4].map((q) => cut(k, q))).join(', ');
	return `
CREATE TEMP TABLE scored AS
WITH q AS (SELECT ${cols} FROM cuts), s AS (
	SELECT cls.*,
	       CASE WHEN never THEN 0 ELSE 5 - (${above('dl', 'r')}) END AS r,
	       CASE WHEN never THEN 0 ELSE 1 + ${above('visit_count', 'f')} END AS f,
	       CASE WHEN never THEN 0 ELSE 1 + ${above('total', 'm')} END AS m
	FROM cls, q
)
SELECT *, CASE WHEN never THEN 'none' ELSE ${grid}[r][(f + m + 1) // 2] END AS rfm_segment FROM s`;
}

const COUNTS_SQL = `
SELECT field, value, count(*) AS n FROM (
	UNPIVOT (SELECT frequency_tier, spend_tier, preference, lifecycle,
	                at_risk::VARCHAR AS at_risk, grade, vip::VARCHAR AS vip, rfm_segment FROM scored)
	ON frequency_tier, spend_tier, preference, lifecycle, at_risk, grade, vip, rfm_segment
	INTO NAME field VALUE value)
GROUP BY ALL ORDER BY field, value`;

// laoke's cls_current (enum indexes, core/classify.h) against DuckDB's values
function diffSql(file) {
	return `
WITH k AS (SELECT * FROM read_csv(${sqlStr(file)}, header = true)),
l AS (
	SELECT customer_id AS id,
	       ['low', 'mid', 'high'][frequency_tier + 1] AS frequency_tier,
	       ['low', 'mid', 'high'][spend_tier + 1] AS spend_tier,
	       ['mixed', 'vegetarian', 'meat', 'seafood'][preference + 1] AS preference,
	       preference_by_staff::BOOLEAN AS preference_by_staff,
	       ['new', 'active', 'dormant', 'churned'][lifecycle + 1] AS lifecycle,
	       at_risk::BOOLEAN AS at_risk, ['ordinary', 'potential', 'loyal'][grade + 1] AS grade,
	       vip::BOOLEAN AS vip, r, f, m,
	       ['none', 'champions', 'loyal', 'potential_loyalist', 'new_customers', 'promising',
	        'need_attention', 'about_to_sleep', 'at_risk', 'cannot_lose', 'hibernating',
	        'lost'][segment + 2] AS rfm_segment
	FROM k
), x AS (
	SELECT s.id, f.field, f.duck, f.laoke FROM scored s JOIN l ON l.id = s.id,
	LATERAL (VALUES
		('frequency_tier', s.frequency_tier, l.frequency_tier),
		('spend_tier', s.spend_tier, l.spend_tier),
		('preference', s.preference, l.preference),
		('preference_by_staff', s.preference_by_staff::VARCHAR, l.preference_by_staff::VARCHAR),
		('lifecycle', s.lifecycle, l.lifecycle),
		('at_risk', s.at_risk::VARCHAR, l.at_risk::VARCHAR),
		('grade', s.grade, l.grade), ('vip', s.vip::VARCHAR, l.vip::VARCHAR),
		('r', s.r::VARCHAR, l.r::VARCHAR), ('f', s.f::VARCHAR, l.f::VARCHAR),
		('m', s.m::VARCHAR, l.m::VARCHAR), ('rfm_segment', s.rfm_segment, l.rfm_segment)
	) f(field, duck, laoke)
	WHERE f.duck IS DISTINCT FROM f.laoke
)
SELECT field, count(*) AS guests, list(id ORDER BY id)[1:5] AS first_ids,
       list(duck || '/' || laoke ORDER BY id)[1:5] AS duckdb_vs_laoke
FROM x GROUP BY field ORDER BY field`;
}

async function classify(opts) {
	const t0 = process.hrtime.bigint();
	const settings = JSON.parse(opts.settings);
	const asOf = Number(opts['as-of']), tz = Number(opts.tz);
	if (!Number.isInteger(asOf) || !Number.isInteger(tz)) usage('--as-of and --tz must be integers');
	const tzs = tz * 60;
	const today = Math.floor((asOf + tzs) / 86400);
	const src = {};
	for (const t of Object.keys(TABLES))
		src[t] = opts.format === 'csv' ? csvSource(opts.dir, t) : parquetSource(opts.dir, t);
	const db = await DuckDBInstance.create(':memory:');
	const c = await db.connect();
	await c.run(classifySql(src, settings, today, tzs));
	await c.run(CUTS_SQL);
	await c.run(scoreSql());
	const counts = (await c.runAndReadAll(COUNTS_SQL)).getRowObjectsJS();
	const cutRows = (await c.runAndReadAll('SELECT k, q, cut FROM cuts ORDER BY k, q')).getRowObjectsJS();
	const tot = (await c.runAndReadAll(
		'SELECT count(*) AS guests, count(*) FILTER (WHERE NOT never) AS scored FROM cls')).getRowObjectsJS()[0];
	const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
	writeFileSync(opts.out, counts.map((r) => `${r.field}\t${r.value}\t${r.n}\n`).join(''));
	const cuts = { r: [0, 0, 0, 0], f: [0, 0, 0, 0], m: [0, 0, 0, 0] };
	for (const r of cutRows) cuts[r.k][Number(r.q) - 1] = Number(r.cut);
	const out = {
		seconds: Math.round(seconds * 1000) / 1000,
		max_rss_kb: process.resourceUsage().maxRSS,
		guests: Number(tot.guests), scored: Number(tot.scored), cuts,
	};
	console.log(JSON.stringify(out));
	if (opts['laoke-current']) {
		const rows = (await c.runAndReadAll(diffSql(opts['laoke-current']))).getRowObjectsJS();
		if (rows.length === 0) console.error('per guest: every guest has the same values');
		for (const r of rows)
			console.error(`per guest: ${r.field}: ${r.guests} guests differ, e.g. ids ` +
				`${r.first_ids.join(', ')} (duckdb/laoke: ${r.duckdb_vs_laoke.join(', ')})`);
	}
	c.closeSync();
	db.closeSync();
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'to-parquet') {
	if (rest.length !== 2) usage();
	await toParquet(rest[0], rest[1]);
} else if (mode === 'classify') {
	const opts = {};
	for (let i = 0; i < rest.length; i += 2) {
		if (!rest[i].startsWith('--') || rest[i + 1] === undefined) usage(`bad argument ${rest[i]}`);
		opts[rest[i].slice(2)] = rest[i + 1];
	}
	for (const k of ['format', 'dir', 'as-of', 'tz', 'settings', 'out'])
		if (!(k in opts)) usage(`--${k} is missing`);
	if (opts.format !== 'csv' && opts.format !== 'parquet') usage('--format is csv or parquet');
	await classify(opts);
} else {
	usage();
}
