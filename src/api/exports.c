/*
 * exports.c - the process tables as files: 客户信息表 (guests), the visit
 * list, 客户需求分析表 (guests' needs), 客户分类表 (the latest
 * classification) and 客户反馈处理表 (feedback with every step of its
 * complaint ticket), as CSV (libcsv) or XLSX (libxlsxwriter), with Chinese
 * or English headers, filtered by store and period.
 *
 * Rows stream from the store's cursor (store_export_guests/visits/...) straight
 * into the writer: CSV goes through a stdio buffer, XLSX through
 * libxlsxwriter's constant-memory mode (each row is flushed to a temporary
 * file as it is written), so memory stays flat for a million guests.
 * The HTTP handlers write to a temporary file and hand it to the transport
 * (r->file), which sends it from the descriptor and unlinks it; the CLI
 * writes to the file the user names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>
#include <xlsxwriter.h>

#include "api/api_int.h"
#include "core/classify.h"
#include "core/feedback.h"
#include "core/rules.h"
#include "util/log.h"
#include "util/timeutil.h"

/* ---- columns ---- */

enum col_type {
	COL_TEXT,    /* system text: store codes, E.164 phones, words */
	COL_FREE,    /* text people typed: a CSV cell starting =+-@ is defused */
	COL_INT,
	COL_MONEY,   /* fen, written as yuan with two decimals; s == NULL: empty */
	COL_TIME,    /* Unix seconds; 0 = empty */
};

struct col {
	const char *zh, *en;
	enum col_type type;
	double width;   /* XLSX column width, in characters */
};

static const struct col guest_cols[] = {
	{ "客户编号", "Guest ID", COL_INT, 10 },
	{ "姓名", "Name", COL_FREE, 14 },
	{ "手机", "Phone", COL_TEXT, 16 },
	{ "性别", "Gender", COL_TEXT, 8 },
	{ "生日", "Birthday", COL_TEXT, 11 },
	{ "常去门店", "Home store", COL_FREE, 20 },
	{ "来源", "Source", COL_TEXT, 12 },
	{ "营销同意", "Marketing consent", COL_TEXT, 10 },
	{ "同意时间", "Consent time", COL_TIME, 20 },
	{ "同意渠道", "Consent channel", COL_TEXT, 12 },
	{ "标签", "Tags", COL_FREE, 24 },
	{ "过敏", "Allergies", COL_FREE, 20 },
	{ "备注", "Notes", COL_FREE, 40 },
	{ "到店次数", "Visits", COL_INT, 10 },
	{ "累计消费(元)", "Total spend (CNY)", COL_MONEY, 14 },
	{ "首次到店", "First visit", COL_TIME, 20 },
	{ "最近到店", "Last visit", COL_TIME, 20 },
	{ "创建时间", "Created", COL_TIME, 20 },
};
enum { NGUEST_COLS = sizeof(guest_cols) / sizeof(guest_cols[0]) };

static const struct col visit_cols[] = {
	{ "到店编号", "Visit ID", COL_INT, 10 },
	{ "订单号", "Order no.", COL_FREE, 18 },
	{ "门店", "Store", COL_FREE, 20 },
	{ "门店编码", "Store code", COL_TEXT, 10 },
	{ "到店时间", "Visited at", COL_TIME, 20 },
	{ "客户编号", "Guest ID", COL_INT, 10 },
	{ "姓名", "Name", COL_FREE, 14 },
	{ "人数", "Party size", COL_INT, 8 },
	{ "金额(元)", "Amount (CNY)", COL_MONEY, 12 },
	{ "渠道", "Channel", COL_TEXT, 10 },
	{ "菜品明细", "Items", COL_FREE, 48 },
};
enum { NVISIT_COLS = sizeof(visit_cols) / sizeof(visit_cols[0]) };

static const struct col need_cols[] = {
	{ "记录编号", "Record ID", COL_INT, 10 },
	{ "客户编号", "Guest ID", COL_INT, 10 },
	{ "姓名", "Name", COL_FREE, 14 },
	{ "手机", "Phone", COL_TEXT, 16 },
	{ "常去门店", "Home store", COL_FREE, 20 },
	{ "需求", "Need", COL_FREE, 40 },
	{ "期望", "Expectation", COL_FREE, 40 },
	{ "来源", "Source", COL_TEXT, 12 },
	{ "记录人", "Recorded by", COL_FREE, 14 },
	{ "记录时间", "Recorded at", COL_TIME, 20 },
};
enum { NNEED_COLS = sizeof(need_cols) / sizeof(need_cols[0]) };

static const struct col cls_cols[] = {
	{ "客户编号", "Guest ID", COL_INT, 10 },
	{ "姓名", "Name", COL_FREE, 14 },
	{ "手机", "Phone", COL_TEXT, 16 },
	{ "常去门店", "Home store", COL_FREE, 20 },
	{ "频次等级", "Frequency tier", COL_TEXT, 10 },
	{ "消费等级", "Spend tier", COL_TEXT, 10 },
	{ "口味偏好", "Preference", COL_TEXT, 10 },
	{ "偏好来源", "Preference source", COL_TEXT, 10 },
	{ "生命周期", "Lifecycle", COL_TEXT, 10 },
	{ "流失风险", "At risk", COL_TEXT, 8 },
	{ "客户等级", "Grade", COL_TEXT, 10 },
	{ "VIP", "VIP", COL_TEXT, 6 },
	{ "R", "R", COL_INT, 4 },
	{ "F", "F", COL_INT, 4 },
	{ "M", "M", COL_INT, 4 },
	{ "RFM分群", "RFM segment", COL_TEXT, 16 },
	{ "到店次数", "Visits", COL_INT, 10 },
	{ "累计消费(元)", "Total spend (CNY)", COL_MONEY, 14 },
	{ "最近到店", "Last visit", COL_TIME, 20 },
	{ "分类时间", "Classified at", COL_TIME, 20 },
};
enum { NCLS_COLS = sizeof(cls_cols) / sizeof(cls_cols[0]) };

/* 客户反馈处理表: one row per piece of feedback, its ticket's steps in order. */
static const struct col fb_cols[] = {
	{ "反馈编号", "Feedback ID", COL_INT, 10 },
	{ "收到时间", "Received", COL_TIME, 20 },
	{ "门店", "Store", COL_FREE, 20 },
	{ "渠道", "Channel", COL_TEXT, 10 },
	{ "类别", "Category", COL_TEXT, 8 },
	{ "评分", "Rating", COL_INT, 6 },
	{ "客户编号", "Guest ID", COL_INT, 10 },
	{ "客户", "Guest", COL_FREE, 14 },
	{ "联系电话", "Contact phone", COL_TEXT, 16 },
	{ "菜品", "Dish", COL_FREE, 14 },
	{ "员工", "Staff", COL_FREE, 14 },
	{ "反馈内容", "Feedback", COL_FREE, 48 },
	{ "投诉", "Complaint", COL_TEXT, 6 },
	{ "状态", "Status", COL_TEXT, 12 },
	{ "负责人", "Owner", COL_FREE, 14 },
	{ "首次响应期限", "Response due", COL_TIME, 20 },
	{ "首次响应", "First response", COL_TIME, 20 },
	{ "分析时间", "Analysed", COL_TIME, 20 },
	{ "根本原因", "Root cause", COL_FREE, 32 },
	{ "方案时间", "Planned", COL_TIME, 20 },
	{ "解决方案", "Solution", COL_FREE, 32 },
	{ "实施时间", "Implemented", COL_TIME, 20 },
	{ "评估时间", "Evaluated", COL_TIME, 20 },
	{ "评估结果", "Result", COL_FREE, 32 },
	{ "回访时间", "Called back", COL_TIME, 20 },
	{ "客户满意度", "Satisfaction", COL_INT, 10 },
	{ "关闭时间", "Closed", COL_TIME, 20 },
	{ "解决期限", "Resolution due", COL_TIME, 20 },
	{ "是否超时", "Overdue", COL_TEXT, 8 },
	{ "补偿券(元)", "Recovery coupon (CNY)", COL_MONEY, 12 },
	{ "重开次数", "Reopened", COL_INT, 8 },
};
enum { NFB_COLS = sizeof(fb_cols) / sizeof(fb_cols[0]) };

/* The widest table: the header row and each row's cells are arrays of this size. */
#define COLS_MAX2(a, b) ((int)(a) > (int)(b) ? (int)(a) : (int)(b))
enum {
	MAX_COLS = COLS_MAX2(COLS_MAX2(COLS_MAX2(NGUEST_COLS, NVISIT_COLS),
				       COLS_MAX2(NNEED_COLS, NCLS_COLS)),
			     NFB_COLS)
};
_Static_assert((int)NGUEST_COLS <= (int)MAX_COLS && (int)NVISIT_COLS <= (int)MAX_COLS &&
		       (int)NNEED_COLS <= (int)MAX_COLS && (int)NCLS_COLS <= (int)MAX_COLS &&
		       (int)NFB_COLS <= (int)MAX_COLS,
	       "MAX_COLS must cover every table");

/* The words of the closed vocabularies, in Chinese. English keeps the word. */
static const char *const zh_words[][2] = {
	{ "female", "女" },           { "male", "男" },           { "unknown", "未知" },
	{ "member_card", "会员卡" },  { "online_booking", "线上预订" },
	{ "waiter", "服务员记录" },   { "survey", "问卷调查" },   { "pos", "POS" },
	{ "import", "导入" },         { "walk_in", "到店" },      { "in_store", "到店" },
	{ "app", "App" },             { "wechat", "微信" },       { "phone", "电话" },
	{ "form", "表单" },           { "dine_in", "堂食" },      { "takeout", "外带" },
	{ "delivery", "外卖" },        { "data_analysis", "数据分析" },
	{ "interview", "访谈" },       { "feedback", "客户反馈" },
	{ "market_research", "市场调研" },
};

static const char *word(const struct api_export *x, const char *w)
{
	if (x->en)
		return w;
	for (size_t i = 0; i < sizeof(zh_words) / sizeof(zh_words[0]); i++)
		if (strcmp(zh_words[i][0], w) == 0)
			return zh_words[i][1];
	return w;
}

/*
 * The classification's values: in Chinese the words of the explanations
 * (lk_cls_*_zh of core/classify.h), in English the API words.
 */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Value i of a closed vocabulary (en: NULL-terminated API words); "" out of range. */
static const char *cls_word(const struct api_export *x, const char *const *en,
			    const char *const *zh, size_t n, int i)
{
	if (i < 0 || (size_t)i >= n)
		return "";
	return x->en ? en[i] : zh[i];
}

/* The feedback words in Chinese, in the order of lk_fb_channels / lk_fb_categories. */
static const char *const fb_channel_zh[] = { "表单", "线上评价", "电话", "到店", "问卷" };
static const char *const fb_category_zh[] = { "菜品", "服务", "价格", "环境",
					      "等候", "卫生", "其他" };

/* A feedback word (en: the NULL-terminated API words) in the export's language. */
static const char *fb_word(const struct api_export *x, const char *const *en,
			   const char *const *zh, size_t n, const char *w)
{
	int i = lk_enum_index(en, w);
	if (x->en || i < 0 || (size_t)i >= n)
		return w;
	return zh[i];
}

static const char *yes_no(const struct api_export *x, bool b)
{
	return b ? (x->en ? "yes" : "是") : (x->en ? "no" : "否");
}

/* One cell of a row: text for the text types, v for the numbers. */
struct cell {
	const char *s;
	int64_t v;
};

/* ---- writers ---- */

struct writer {
	const struct api_export *x;
	const struct col *cols;
	int ncols;
	struct lk_err *err;
	enum lk_rc rc;          /* the first failure inside a row callback */
	/* csv */
	FILE *f;
	bool own_f;
	/* xlsx */
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *time_fmt, *money_fmt;
	lxw_row_t row;          /* next row of the current sheet */
	int sheets;
	int64_t now;            /* the export's time: what is overdue */
};

/* CSV: every text cell through libcsv (RFC 4180: quoted, quotes doubled). */
static void csv_text(struct writer *w, const char *s, bool free_text)
{
	/*
	 * A spreadsheet runs a cell starting with = + - @ as a formula; text a
	 * guest or a waiter typed gets a leading apostrophe (OWASP's advice) so
	 * a name like "=HYPERLINK(...)" stays text.
	 */
	if (free_text && (*s == '=' || *s == '+' || *s == '-' || *s == '@')) {
		size_t n = strlen(s);
		char *tmp = malloc(n + 2);
		if (!tmp) {
			w->rc = lk_fail(w->err, LK_ENOMEM, "out_of_memory", NULL, "out of memory");
			return;
		}
		tmp[0] = '\'';
		memcpy(tmp + 1, s, n + 1);
		csv_fwrite(w->f, tmp, n + 1);
		free(tmp);
		return;
	}
	csv_fwrite(w->f, s, strlen(s));
}

static void csv_row(struct writer *w, const struct cell *cells, bool header)
{
	char tmp[40];
	for (int i = 0; i < w->ncols; i++) {
		if (i)
			fputc(',', w->f);
		const struct cell *c = &cells[i];
		if (header) {
			csv_text(w, c->s, false);
			continue;
		}
		switch (w->cols[i].type) {
		case COL_TEXT:
		case COL_FREE:
			if (*c->s)
				csv_text(w, c->s, w->cols[i].type == COL_FREE);
			break;
		case COL_INT:
			if (c->s)   /* s == NULL marks an empty number cell */
				fprintf(w->f, "%lld", (long long)c->v);
			break;
		case COL_MONEY:
			if (c->s)
				fprintf(w->f, "%lld.%02lld", (long long)(c->v / 100),
					(long long)(c->v % 100));
			break;
		case COL_TIME:
			if (c->v)
				fputs(lk_time_format(c->v, w->x->tz_offset_min, tmp, sizeof(tmp)), w->f);
			break;
		}
	}
	fputs("\r\n", w->f);
}

static enum lk_rc xlsx_fail(struct writer *w, lxw_error e)
{
	if (w->rc == LK_OK)
		w->rc = lk_fail(w->err, LK_EIO, "export_failed", NULL, "cannot write the xlsx file: %s",
				lxw_strerror(e));
	return w->rc;
}

/* A new sheet with widths, a bold frozen header row; used again past Excel's row limit. */
static enum lk_rc xlsx_sheet(struct writer *w)
{
	char name[64];
	const char *base;
	switch (w->x->kind) {
	case API_EXPORT_GUESTS: base = w->x->en ? "Guests" : "客户信息表"; break;
	case API_EXPORT_NEEDS: base = w->x->en ? "Needs" : "客户需求分析表"; break;
	case API_EXPORT_CLASSIFICATION: base = w->x->en ? "Classification" : "客户分类表"; break;
	case API_EXPORT_FEEDBACK: base = w->x->en ? "Feedback" : "客户反馈处理表"; break;
	case API_EXPORT_VISITS:
	default: base = w->x->en ? "Visits" : "到店记录"; break;
	}
	if (w->sheets)
		snprintf(name, sizeof(name), "%s %d", base, w->sheets + 1);
	else
		snprintf(name, sizeof(name), "%s", base);
	w->ws = workbook_add_worksheet(w->wb, name);
	if (!w->ws)
		return xlsx_fail(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
	w->sheets++;
	for (int i = 0; i < w->ncols; i++)
		worksheet_set_column(w->ws, (lxw_col_t)i, (lxw_col_t)i, w->cols[i].width, NULL);
	worksheet_freeze_panes(w->ws, 1, 0);
	for (int i = 0; i < w->ncols; i++) {
		const char *h = w->x->en ? w->cols[i].en : w->cols[i].zh;
		lxw_error e = worksheet_write_string(w->ws, 0, (lxw_col_t)i, h, w->bold);
		if (e != LXW_NO_ERROR)
			return xlsx_fail(w, e);
	}
	w->row = 1;
	return LK_OK;
}

/* Excel's serial date: days since 1899-12-30, local time, fraction for the time of day. */
static double excel_time(int64_t t, int offset_min)
{
	return (double)(t + (int64_t)offset_min * 60) / 86400.0 + 25569.0;
}

static lxw_error xlsx_string(struct writer *w, lxw_col_t col, const char *s)
{
	lxw_error e = worksheet_write_string(w->ws, w->row, col, s, NULL);
	if (e != LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED)
		return e;
	/* a cell holds 32,767 characters: cut at a UTF-8 boundary below that */
	size_t n = 32000;
	while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	char *cut = strndup(s, n);
	if (!cut)
		return LXW_ERROR_MEMORY_MALLOC_FAILED;
	e = worksheet_write_string(w->ws, w->row, col, cut, NULL);
	free(cut);
	return e;
}

static void xlsx_row(struct writer *w, const struct cell *cells)
{
	if (w->row > LXW_ROW_MAX - 1 && xlsx_sheet(w) != LK_OK)
		return;
	for (int i = 0; i < w->ncols; i++) {
		const struct cell *c = &cells[i];
		lxw_col_t col = (lxw_col_t)i;
		lxw_error e = LXW_NO_ERROR;
		switch (w->cols[i].type) {
		case COL_TEXT:
		case COL_FREE:
			if (*c->s)
				e = xlsx_string(w, col, c->s);
			break;
		case COL_INT:
			if (c->s)
				e = worksheet_write_number(w->ws, w->row, col, (double)c->v, NULL);
			break;
		case COL_MONEY:
			if (c->s)
				e = worksheet_write_number(w->ws, w->row, col,
							   (double)c->v / 100.0, w->money_fmt);
			break;
		case COL_TIME:
			if (c->v)
				e = worksheet_write_number(w->ws, w->row, col,
							   excel_time(c->v, w->x->tz_offset_min),
							   w->time_fmt);
			break;
		}
		if (e != LXW_NO_ERROR) {
			xlsx_fail(w, e);
			return;
		}
	}
	w->row++;
}

static void put_row(struct writer *w, const struct cell *cells)
{
	if (w->x->format == API_EXPORT_CSV)
		csv_row(w, cells, false);
	else
		xlsx_row(w, cells);
}

static enum lk_rc writer_open(struct writer *w, const char *path)
{
	if (w->x->format == API_EXPORT_CSV) {
		if (strcmp(path, "-") == 0) {
			w->f = stdout;
		} else {
			w->f = fopen(path, "wb");
			if (!w->f)
				return lk_fail(w->err, LK_EIO, "export_failed", "output",
					       "cannot write '%s': %s", path, strerror(errno));
			w->own_f = true;
		}
		setvbuf(w->f, NULL, _IOFBF, 1 << 20);
		fputs("\xEF\xBB\xBF", w->f);   /* BOM: Excel then reads the file as UTF-8 */
		struct cell hdr[MAX_COLS];
		for (int i = 0; i < w->ncols; i++)
			hdr[i].s = w->x->en ? w->cols[i].en : w->cols[i].zh;
		csv_row(w, hdr, true);
		return LK_OK;
	}
	if (strcmp(path, "-") == 0)
		return lk_fail(w->err, LK_EINVAL, "invalid_output", "output",
			       "xlsx cannot go to standard output: name a file");
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE, .tmpdir = NULL };
	w->wb = workbook_new_opt(path, &opt);
	if (!w->wb)
		return lk_fail(w->err, LK_EIO, "export_failed", "output", "cannot write '%s'", path);
	w->bold = workbook_add_format(w->wb);
	w->time_fmt = workbook_add_format(w->wb);
	w->money_fmt = workbook_add_format(w->wb);
	if (!w->bold || !w->time_fmt || !w->money_fmt)
		return xlsx_fail(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
	format_set_bold(w->bold);
	format_set_num_format(w->time_fmt, "yyyy-mm-dd hh:mm:ss");
	format_set_num_format(w->money_fmt, "0.00");
	return xlsx_sheet(w);
}

/* Finish the file; keeps the first error. */
static enum lk_rc writer_close(struct writer *w)
{
	if (w->f) {
		bool bad = ferror(w->f) != 0;
		if (w->own_f)
			bad |= fclose(w->f) != 0;
		else
			bad |= fflush(w->f) != 0;
		w->f = NULL;
		if (bad && w->rc == LK_OK)
			w->rc = lk_fail(w->err, LK_EIO, "export_failed", "output",
					"cannot write the csv file: %s", strerror(errno));
	}
	if (w->wb) {
		lxw_error e = workbook_close(w->wb);
		w->wb = NULL;
		if (e != LXW_NO_ERROR)
			xlsx_fail(w, e);
	}
	return w->rc;
}

/* ---- rows ---- */

/* A guest's name as the export shows it: the real one, or 张** (buf of 16). */
static const char *shown_name(const struct api_export *x, const char *name, char *buf)
{
	if (!x->pseudonymise)
		return name;
	lk_name_pseudonym(name, buf, 16);
	return buf;
}

/* A phone as the export shows it: full, or 138****5678 (buf of 24). */
static const char *shown_phone(const struct api_export *x, const char *phone, char *buf)
{
	if (!x->mask_phone || !*phone)
		return phone;
	lk_phone_mask(phone, buf, 24);
	return buf;
}

static int guest_row(const struct lk_export_guest *g, void *p)
{
	struct writer *w = p;
	const struct api_export *x = w->x;
	char bday[16] = "", masked[24], pseudo[16];
	const char *name = shown_name(x, g->name, pseudo), *notes = g->notes;
	const char *phone = shown_phone(x, g->phone, masked);
	if (x->pseudonymise) {
		notes = "";
		if (g->birth_month) /* the month only, as "3月" / "month 3" */
			snprintf(bday, sizeof(bday), x->en ? "month %d" : "%d月", g->birth_month);
	} else if (g->birth_month) {
		lk_birthday_format(g->birth_year, g->birth_month, g->birth_day, bday, sizeof(bday));
	}
	struct cell c[NGUEST_COLS] = {
		{ "", g->id },
		{ name, 0 },
		{ phone, 0 },
		{ word(x, g->gender), 0 },
		{ bday, 0 },
		{ g->home_store_name, 0 },
		{ word(x, g->source), 0 },
		{ yes_no(x, g->consent), 0 },
		{ "", g->consent_at },
		{ *g->consent_channel ? word(x, g->consent_channel) : "", 0 },
		{ g->tags, 0 },
		{ g->allergies, 0 },
		{ notes, 0 },
		{ "", g->visit_count },
		{ "", g->total_spend_fen },
		{ "", g->first_visit_at },
		{ "", g->last_visit_at },
		{ "", g->created_at },
	};
	put_row(w, c);
	return w->rc != LK_OK;
}

static int visit_row(const struct lk_export_visit *v, void *p)
{
	struct writer *w = p;
	const struct api_export *x = w->x;
	char pseudo[16];
	const char *name = shown_name(x, v->customer_name, pseudo);
	struct cell c[NVISIT_COLS] = {
		{ "", v->id },
		{ v->pos_order_id, 0 },
		{ v->store_name, 0 },
		{ v->store_code, 0 },
		{ "", v->visited_at },
		{ v->customer_id ? "" : NULL, v->customer_id },   /* walk-in: empty */
		{ name, 0 },
		{ "", v->party_size },
		{ "", v->amount_fen },
		{ word(x, v->channel), 0 },
		{ v->items, 0 },
	};
	put_row(w, c);
	return w->rc != LK_OK;
}

static int need_row(const struct lk_export_need *n, void *p)
{
	struct writer *w = p;
	const struct api_export *x = w->x;
	char masked[24], pseudo[16];
	const char *name = shown_name(x, n->customer_name, pseudo);
	const char *phone = shown_phone(x, n->phone, masked);
	struct cell c[NNEED_COLS] = {
		{ "", n->id },
		{ "", n->customer_id },
		{ name, 0 },
		{ phone, 0 },
		{ n->home_store_name, 0 },
		{ n->need, 0 },
		{ n->expectation, 0 },
		{ word(x, n->source), 0 },
		{ n->created_by, 0 },
		{ "", n->created_at },
	};
	put_row(w, c);
	return w->rc != LK_OK;
}

static int cls_row(const struct lk_export_cls *k, void *p)
{
	struct writer *w = p;
	const struct api_export *x = w->x;
	char masked[24], pseudo[16];
	const char *name = shown_name(x, k->name, pseudo);
	const char *phone = shown_phone(x, k->phone, masked);
	const char *seg = k->segment == LK_RFM_NONE ? (x->en ? "none" : "未评分")
			  : cls_word(x, lk_cls_segment_names, lk_cls_segment_zh, NELEM(lk_cls_segment_zh),
				     k->segment);
	const char *rfm = k->r ? "" : NULL;   /* not scored: empty R, F and M */
	struct cell c[NCLS_COLS] = {
		{ "", k->id },
		{ name, 0 },
		{ phone, 0 },
		{ k->home_store_name, 0 },
		{ cls_word(x, lk_cls_tier_names, lk_cls_freq_zh, NELEM(lk_cls_freq_zh), k->frequency_tier),
		  0 },
		{ cls_word(x, lk_cls_tier_names, lk_cls_spend_zh, NELEM(lk_cls_spend_zh), k->spend_tier), 0 },
		{ cls_word(x, lk_cls_preference_names, lk_cls_pref_zh, NELEM(lk_cls_pref_zh), k->preference),
		  0 },
		{ k->preference_by_staff ? (x->en ? "staff" : "员工记录")
					 : (x->en ? "spending" : "消费数据"),
		  0 },
		{ cls_word(x, lk_cls_lifecycle_names, lk_cls_life_zh, NELEM(lk_cls_life_zh), k->lifecycle),
		  0 },
		{ yes_no(x, k->at_risk), 0 },
		{ cls_word(x, lk_cls_grade_names, lk_cls_grade_zh, NELEM(lk_cls_grade_zh), k->grade), 0 },
		{ yes_no(x, k->vip), 0 },
		{ rfm, k->r },
		{ rfm, k->f },
		{ rfm, k->m },
		{ seg, 0 },
		{ "", k->visit_count },
		{ "", k->total_spend_fen },
		{ "", k->last_visit_at },
		{ "", k->classified_at },
	};
	put_row(w, c);
	return w->rc != LK_OK;
}

/*
 * A ticket's step shown as zh "已分析" / en "analysed"; the overdue flag is
 * the API's (core/feedback.h) at the export's time. Feedback that opened
 * no ticket leaves every ticket cell empty.
 */
static int fb_row(const struct lk_export_feedback *b, void *p)
{
	struct writer *w = p;
	const struct api_export *x = w->x;
	char masked[24], pseudo[16];
	const char *name = shown_name(x, b->customer_name, pseudo);
	const char *phone = shown_phone(x, b->phone, masked);
	bool ticket = b->status[0] != '\0';
	int si = ticket ? lk_enum_index(lk_fb_statuses, b->status) : -1;
	const char *status = "", *overdue = "";
	if (ticket) {
		enum lk_fb_status fs = si < 0 ? LK_FB_RECEIVED : (enum lk_fb_status)si;
		status = x->en ? b->status : lk_fb_status_zh(fs);
		if (!*status)
			status = b->status;
		overdue = yes_no(x, lk_fb_response_overdue(fs, b->response_due_at, w->now) ||
					    lk_fb_resolve_overdue(fs, b->resolve_due_at, w->now));
	}
	const char *tk = ticket ? "" : NULL;   /* the ticket's numbers: empty without one */
	struct cell c[NFB_COLS] = {
		{ "", b->id },
		{ "", b->received_at },
		{ b->store_name, 0 },
		{ fb_word(x, lk_fb_channels, fb_channel_zh, NELEM(fb_channel_zh), b->channel), 0 },
		{ fb_word(x, lk_fb_categories, fb_category_zh, NELEM(fb_category_zh), b->category),
		  0 },
		{ b->rating ? "" : NULL, b->rating },
		{ b->customer_id ? "" : NULL, b->customer_id },
		{ name, 0 },
		{ phone, 0 },
		{ b->dish_name, 0 },
		{ b->staff_name, 0 },
		{ b->text, 0 },
		{ yes_no(x, b->complaint), 0 },
		{ status, 0 },
		{ b->owner_name, 0 },
		{ "", b->response_due_at },
		{ "", b->first_response_at },
		{ "", b->reached.analysed },
		{ b->root_cause, 0 },
		{ "", b->reached.planned },
		{ b->solution, 0 },
		{ "", b->reached.implemented },
		{ "", b->reached.evaluated },
		{ b->result, 0 },
		{ "", b->reached.called_back },
		{ b->satisfaction ? "" : NULL, b->satisfaction },
		{ "", b->reached.closed },
		{ "", b->resolve_due_at },
		{ overdue, 0 },
		{ b->coupon_value_fen ? "" : NULL, b->coupon_value_fen },
		{ tk, b->reopened },
	};
	put_row(w, c);
	return w->rc != LK_OK;
}

enum lk_rc api_export_write(struct store *st, const struct api_export *x, const char *path,
			    int64_t *rows, struct lk_err *err)
{
	struct writer w = { .x = x, .err = err, .now = lk_now() };
	switch (x->kind) {
	case API_EXPORT_GUESTS: w.cols = guest_cols; w.ncols = NGUEST_COLS; break;
	case API_EXPORT_NEEDS: w.cols = need_cols; w.ncols = NNEED_COLS; break;
	case API_EXPORT_CLASSIFICATION: w.cols = cls_cols; w.ncols = NCLS_COLS; break;
	case API_EXPORT_FEEDBACK: w.cols = fb_cols; w.ncols = NFB_COLS; break;
	case API_EXPORT_VISITS:
	default: w.cols = visit_cols; w.ncols = NVISIT_COLS; break;
	}
	*rows = 0;
	w.rc = writer_open(&w, path);
	if (w.rc != LK_OK) {
		writer_close(&w);
		return w.rc;
	}
	struct lk_err serr;
	lk_err_clear(&serr);
	enum lk_rc rc;
	if (x->kind == API_EXPORT_GUESTS)
		rc = store_export_guests(st, &x->filter, guest_row, &w, rows, NULL, &serr);
	else if (x->kind == API_EXPORT_NEEDS)
		rc = store_export_needs(st, &x->filter, need_row, &w, rows, NULL, &serr);
	else if (x->kind == API_EXPORT_CLASSIFICATION)
		rc = store_export_classification(st, &x->filter, &x->cls, cls_row, &w, rows, NULL, &serr);
	else if (x->kind == API_EXPORT_FEEDBACK)
		rc = store_export_feedback(st, &x->filter, fb_row, &w, rows, NULL, &serr);
	else
		rc = store_export_visits(st, &x->filter, visit_row, &w, rows, NULL, &serr);
	if (rc != LK_OK && w.rc == LK_OK) {
		w.rc = rc;
		if (err)
			*err = serr;
	}
	return writer_close(&w);
}

/* ---- options ---- */

enum lk_rc api_export_prepare(struct store *st, struct api_export *x, enum api_export_kind kind,
			      const char *format, const char *store, const char *from,
			      const char *to, const char *lang, int tz_offset_min,
			      struct lk_err *err)
{
	memset(x, 0, sizeof(*x));
	store_cls_filter_init(&x->cls);
	x->kind = kind;
	x->tz_offset_min = tz_offset_min;
	x->filter.from = INT64_MIN;
	x->filter.to = INT64_MAX;
	if (!format || strcmp(format, "csv") == 0)
		x->format = API_EXPORT_CSV;
	else if (strcmp(format, "xlsx") == 0)
		x->format = API_EXPORT_XLSX;
	else
		return lk_fail(err, LK_EINVAL, "invalid_format", "format",
			       "'format' must be 'csv' or 'xlsx'");
	if (!lang || strcmp(lang, "zh") == 0)
		x->en = false;
	else if (strcmp(lang, "en") == 0)
		x->en = true;
	else
		return lk_fail(err, LK_EINVAL, "invalid_lang", "lang", "'lang' must be 'zh' or 'en'");
	int64_t off = (int64_t)tz_offset_min * 60, days;
	if (from) {
		if (!api_parse_day(from, &days))
			return lk_fail(err, LK_EINVAL, "invalid_date", "from",
				       "'from' must be a date YYYY-MM-DD");
		x->filter.from = days * 86400 - off;
	}
	if (to) {
		if (!api_parse_day(to, &days))
			return lk_fail(err, LK_EINVAL, "invalid_date", "to",
				       "'to' must be a date YYYY-MM-DD");
		x->filter.to = (days + 1) * 86400 - 1 - off;   /* the whole day */
	}
	if (x->filter.from > x->filter.to)
		return lk_fail(err, LK_EINVAL, "invalid_period", "to",
			       "'to' must not be before 'from'");
	if (store) {
		struct lk_store s;
		struct lk_err e;
		if (lk_store_code_check(store, &e) != LK_OK)
			return lk_fail(err, LK_EINVAL, "invalid_store", "store",
				       "'store' must be a store code like 'BJ01'");
		enum lk_rc rc = store_store_by_code(st, store, &s, &e);
		if (rc == LK_ENOTFOUND)
			return lk_fail(err, LK_EINVAL, "unknown_store", "store",
				       "no store with code '%s'", store);
		if (rc != LK_OK) {
			if (err)
				*err = e;
			return rc;
		}
		x->filter.store_id = s.id;
	}
	return LK_OK;
}

void api_export_filename(const struct api_export *x, int64_t now, bool ascii, char *out,
			 size_t outsz)
{
	char t[40];
	lk_time_format(now, x->tz_offset_min, t, sizeof(t));
	t[10] = '\0';
	const char *base;
	if (x->kind == API_EXPORT_GUESTS)
		base = ascii || x->en ? "guests" : "客户信息表";
	else if (x->kind == API_EXPORT_NEEDS)
		base = ascii || x->en ? "needs" : "客户需求分析表";
	else if (x->kind == API_EXPORT_CLASSIFICATION)
		base = ascii || x->en ? "classification" : "客户分类表";
	else if (x->kind == API_EXPORT_FEEDBACK)
		base = ascii || x->en ? "feedback" : "客户反馈处理表";
	else
		base = ascii || x->en ? "visits" : "到店记录表";
	snprintf(out, outsz, "%s-%s.%s", base, t, x->format == API_EXPORT_CSV ? "csv" : "xlsx");
}

/* The table's name in logs and the CLI: "guests", "visits", "needs", "classification"... */
static const char *kind_name(enum api_export_kind kind)
{
	switch (kind) {
	case API_EXPORT_GUESTS: return "guests";
	case API_EXPORT_NEEDS: return "needs";
	case API_EXPORT_CLASSIFICATION: return "classification";
	case API_EXPORT_FEEDBACK: return "feedback";
	case API_EXPORT_VISITS:
	default: return "visits";
	}
}

/* ---- HTTP ---- */

/*
 * Store scope (docs/ROLES.md): an account bound to a store exports that
 * store; one bound to a region exports the region or one of its stores.
 * Asking for a store outside the scope is 403 out_of_scope.
 */
static bool export_scope(struct api_req *r, struct api_export *x)
{
	if (lk_scope_all(&r->scope))
		return true;
	if (x->filter.store_id && !api_store_in_scope(r, x->filter.store_id, "store"))
		return false;
	if (r->scope.store_id)
		x->filter.store_id = r->scope.store_id;
	else
		snprintf(x->filter.region, sizeof(x->filter.region), "%s", r->scope.region);
	return true;
}

static void export_answer(struct api_req *r, enum api_export_kind kind)
{
	struct api_export x;
	if (api_export_prepare(r->st, &x, kind, qry_arg(r, "format"), qry_arg(r, "store"),
			       qry_arg(r, "from"), qry_arg(r, "to"), qry_arg(r, "lang"),
			       r->cfg->tz_offset_min, &r->err) != LK_OK)
		return;
	/* the classification table takes the segment lists' value filters too */
	if (kind == API_EXPORT_CLASSIFICATION) {
		if (!api_cls_filter_from_query(r, &x.cls))
			return;
		x.cls.home_store_id = 0; /* `store` is the export's store filter */
	}
	if (!export_scope(r, &x))
		return;
	/* as on the guest card: full phones and real names only with those permissions */
	x.mask_phone = !api_can(r, PERM_GUESTS_PHONE);
	x.pseudonymise = !api_can(r, PERM_GUESTS_IDENTITY);
	r->audit_detail = json_pack("{s:s, s:I, s:s, s:b}", "format",
				    x.format == API_EXPORT_CSV ? "csv" : "xlsx", "store_id",
				    (json_int_t)x.filter.store_id, "region", x.filter.region,
				    "pseudonymised", x.pseudonymise);

	const char *dir = getenv("TMPDIR");
	char path[sizeof(r->file.path)];
	int n = snprintf(path, sizeof(path), "%s/laoke-export-XXXXXX", dir && *dir ? dir : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(path)) {
		api_fail(r, LK_EIO, "export_failed", NULL, "temporary directory path is too long");
		return;
	}
	int fd = mkstemp(path);
	if (fd < 0) {
		lk_log("error", "export: cannot create a temporary file in '%s': %s", path,
		       strerror(errno));
		api_fail(r, LK_EIO, "export_failed", NULL, "cannot create the export file");
		return;
	}
	close(fd);
	int64_t rows = 0, t0 = lk_mono_us();
	if (api_export_write(r->st, &x, path, &rows, &r->err) != LK_OK) {
		unlink(path);
		return;
	}
	lk_log("info", "export %s %s by user %lld (%s): %lld rows, store %lld, %lld ms",
	       kind_name(kind),
	       x.format == API_EXPORT_CSV ? "csv" : "xlsx", (long long)r->user.id, r->user.role,
	       (long long)rows, (long long)x.filter.store_id,
	       (long long)((lk_mono_us() - t0) / 1000));
	json_object_set_new(r->audit_detail, "rows", json_integer(rows));
	snprintf(r->file.path, sizeof(r->file.path), "%s", path);
	r->file.type = x.format == API_EXPORT_CSV
			       ? "text/csv; charset=utf-8"
			       : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	int64_t now = lk_now();
	api_export_filename(&x, now, false, r->file.name, sizeof(r->file.name));
	api_export_filename(&x, now, true, r->file.ascii_name, sizeof(r->file.ascii_name));
}

static void exports_guests(struct api_req *r)
{
	export_answer(r, API_EXPORT_GUESTS);
}

static void exports_visits(struct api_req *r)
{
	export_answer(r, API_EXPORT_VISITS);
}

static void exports_needs(struct api_req *r)
{
	export_answer(r, API_EXPORT_NEEDS);
}

static void exports_classification(struct api_req *r)
{
	export_answer(r, API_EXPORT_CLASSIFICATION);
}

static void exports_feedback(struct api_req *r)
{
	export_answer(r, API_EXPORT_FEEDBACK);
}

const struct api_route api_export_routes[] = {
	{ "GET", "/api/v1/exports/guests", exports_guests, PERM_EXPORTS_READ, 0, "export.guests" },
	{ "GET", "/api/v1/exports/visits", exports_visits, PERM_EXPORTS_READ, 0, "export.visits" },
	{ "GET", "/api/v1/exports/needs", exports_needs, PERM_EXPORTS_READ, 0, "export.needs" },
	{ "GET", "/api/v1/exports/classification", exports_classification, PERM_EXPORTS_READ, 0,
	  "export.classification" },
	/* feedback readers (admin, manager, analyst), not exports.read */
	{ "GET", "/api/v1/exports/feedback", exports_feedback, PERM_FEEDBACK_READ, 0,
	  "export.feedback" },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
