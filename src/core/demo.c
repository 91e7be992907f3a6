/*
 * demo.c - the demo chain generator (see demo.h). Pure: tables, arithmetic
 * and a seeded PRNG; no I/O, no clock, no allocation.
 */
#include "core/demo.h"

#include <stdio.h>
#include <string.h>

#include "core/rules.h"

/* ---- PRNG ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void lk_rng_seed(struct lk_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t lk_rng_next(struct lk_rng *r)
{
	uint64_t *s = r->s;
	const uint64_t result = rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint32_t lk_rng_below(struct lk_rng *r, uint32_t n)
{
	/* Lemire's multiply-shift; the tiny bias is irrelevant for demo data */
	return (uint32_t)(((lk_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double lk_rng_unit(struct lk_rng *r)
{
	return (double)(lk_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static bool chance(struct lk_rng *r, double p)
{
	return lk_rng_unit(r) < p;
}

/* Uniform integer in [lo, hi]. */
static int64_t between(struct lk_rng *r, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int64_t)lk_rng_below(r, (uint32_t)(hi - lo + 1));
}

/* Index into weights[0..n) chosen in proportion to the weights. */
static int pick_weighted(struct lk_rng *r, const int *weights, int n)
{
	int total = 0;
	for (int i = 0; i < n; i++)
		total += weights[i];
	if (total <= 0)
		return 0;
	int x = (int)lk_rng_below(r, (uint32_t)total);
	for (int i = 0; i < n; i++) {
		if (x < weights[i])
			return i;
		x -= weights[i];
	}
	return n - 1;
}

/* ---- calendar ---- */

/* Howard Hinnant's civil_from_days. */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (unsigned)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int month_days(int y, int m)
{
	static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return md[m - 1];
}

/* 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday. */
static int weekday(int64_t day)
{
	int64_t w = (day + 4) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

int64_t lk_demo_local_day(int64_t t)
{
	int64_t l = t + LK_DEMO_TZ_OFFSET_S;
	return l >= 0 ? l / 86400 : -((-l + 86399) / 86400);
}

int lk_demo_business_minute(int64_t visited_at)
{
	int64_t l = visited_at + LK_DEMO_TZ_OFFSET_S;
	int64_t sec = l % 86400;
	if (sec < 0)
		sec += 86400;
	int m = (int)(sec / 60);
	/* before 06:00 is the tail of the previous business day */
	return m < 6 * 60 ? m + 24 * 60 : m;
}

/* Spring Festival (正月初一) dates; outside this table there is no surge. */
static const struct {
	short y;
	char m, d;
} spring_festival[] = {
	{ 2010, 2, 14 }, { 2011, 2, 3 },  { 2012, 1, 23 }, { 2013, 2, 10 }, { 2014, 1, 31 },
	{ 2015, 2, 19 }, { 2016, 2, 8 },  { 2017, 1, 28 }, { 2018, 2, 16 }, { 2019, 2, 5 },
	{ 2020, 1, 25 }, { 2021, 2, 12 }, { 2022, 2, 1 },  { 2023, 1, 22 }, { 2024, 2, 10 },
	{ 2025, 1, 29 }, { 2026, 2, 17 }, { 2027, 2, 6 },  { 2028, 1, 26 }, { 2029, 2, 13 },
	{ 2030, 2, 3 },  { 2031, 1, 23 }, { 2032, 2, 11 }, { 2033, 1, 31 }, { 2034, 2, 19 },
	{ 2035, 2, 8 },
};

/* Hot pot is a winter dish: gaps between visits stretch in summer. */
static const double season_gap[12] = { 0.80, 0.85, 0.95, 1.00, 1.05, 1.20,
				       1.30, 1.25, 1.05, 0.95, 0.90, 0.80 };

/* ---- stores ---- */

static const struct {
	const char *code, *name, *city, *region;
	bool late_night;
	int weight;
} store_tpl[] = {
	{ "CD01", "成都春熙路店", "成都", "西南", true, 16 },
	{ "CQ01", "重庆解放碑店", "重庆", "西南", true, 15 },
	{ "BJ01", "北京朝阳大悦城店", "北京", "华北", false, 12 },
	{ "SH01", "上海徐汇美罗城店", "上海", "华东", false, 12 },
	{ "SZ01", "深圳南山海岸城店", "深圳", "华南", true, 10 },
	{ "GZ01", "广州天河城店", "广州", "华南", false, 9 },
	{ "XA01", "西安钟楼店", "西安", "西北", false, 8 },
	{ "HZ01", "杭州湖滨银泰店", "杭州", "华东", false, 8 },
	{ "WH01", "武汉光谷店", "武汉", "华中", false, 8 },
	{ "CD02", "成都玉林路店", "成都", "西南", true, 10 },
	{ "NJ01", "南京新街口店", "南京", "华东", false, 8 },
	{ "CS01", "长沙五一广场店", "长沙", "华中", true, 8 },
	{ "BJ02", "北京中关村店", "北京", "华北", false, 9 },
	{ "SH02", "上海五角场店", "上海", "华东", false, 9 },
	{ "TJ01", "天津滨江道店", "天津", "华北", false, 6 },
	{ "SY01", "沈阳中街店", "沈阳", "东北", false, 5 },
	{ "KM01", "昆明南屏街店", "昆明", "西南", false, 5 },
	{ "ZZ01", "郑州二七广场店", "郑州", "华中", false, 6 },
	{ "QD01", "青岛台东店", "青岛", "华东", false, 5 },
	{ "CQ02", "重庆观音桥店", "重庆", "西南", true, 10 },
};
#define NSTORE_TPL ((int)(sizeof(store_tpl) / sizeof(store_tpl[0])))

/* ---- menu: name, category, price in fen, allergens, flags, popularity ---- */

enum { C_MEAT, C_SEAFOOD, C_VEG, C_SOUP, C_STAPLE, C_SNACK, C_DRINK, C_DESSERT };

static const struct {
	const char *name;
	int cat;
	int price;
	unsigned alg, flags;
	int pop;
} menu[] = {
	/* soup bases */
	{ "牛油麻辣锅底", C_SOUP, 6800, 0, 0, 30 },
	{ "清油麻辣锅底", C_SOUP, 5800, 0, LK_DISH_VEG_SOUP, 14 },
	{ "番茄锅底", C_SOUP, 4800, 0, LK_DISH_VEG_SOUP, 22 },
	{ "菌汤锅底", C_SOUP, 5200, 0, LK_DISH_VEG_SOUP, 14 },
	{ "鸳鸯锅底", C_SOUP, 6800, 0, 0, 30 },
	{ "清汤锅底", C_SOUP, 3800, 0, LK_DISH_VEG_SOUP, 6 },
	{ "猪肚鸡锅底", C_SOUP, 8800, 0, 0, 8 },
	{ "酸汤锅底", C_SOUP, 4800, 0, LK_DISH_VEG_SOUP, 6 },
	{ "四宫格锅底", C_SOUP, 7800, 0, 0, 8 },
	/* meat */
	{ "精品肥牛", C_MEAT, 6800, 0, 0, 30 },
	{ "雪花肥牛", C_MEAT, 8800, 0, LK_DISH_PREMIUM, 10 },
	{ "嫩牛肉", C_MEAT, 4800, 0, 0, 24 },
	{ "麻辣牛肉", C_MEAT, 4200, 0, 0, 14 },
	{ "千层毛肚", C_MEAT, 4600, 0, 0, 28 },
	{ "鲜毛肚", C_MEAT, 5800, 0, 0, 18 },
	{ "鸭肠", C_MEAT, 3200, 0, 0, 22 },
	{ "黄喉", C_MEAT, 3800, 0, 0, 20 },
	{ "鹅肠", C_MEAT, 4200, 0, 0, 12 },
	{ "午餐肉", C_MEAT, 2800, 0, 0, 18 },
	{ "羊肉卷", C_MEAT, 5200, 0, 0, 14 },
	{ "手切鲜羊肉", C_MEAT, 6800, 0, LK_DISH_PREMIUM, 6 },
	{ "牛舌", C_MEAT, 4800, 0, 0, 6 },
	{ "猪脑花", C_MEAT, 2600, 0, 0, 8 },
	{ "腰片", C_MEAT, 3600, 0, 0, 6 },
	{ "鸭血", C_MEAT, 2200, 0, 0, 18 },
	{ "小酥肉", C_MEAT, 3200, LK_ALG_EGG, 0, 22 },
	{ "牛百叶", C_MEAT, 3800, 0, 0, 8 },
	{ "郡肝", C_MEAT, 2600, 0, 0, 5 },
	{ "肥肠", C_MEAT, 3600, 0, 0, 8 },
	{ "牛筋丸", C_MEAT, 3200, 0, 0, 10 },
	{ "和牛M9", C_MEAT, 28800, 0, LK_DISH_PREMIUM, 2 },
	{ "黑毛猪五花", C_MEAT, 4800, 0, 0, 6 },
	{ "耗儿鱼", C_SEAFOOD, 4200, LK_ALG_FISH, 0, 12 },
	/* seafood */
	{ "虾滑", C_SEAFOOD, 3800, LK_ALG_SHRIMP, 0, 30 },
	{ "基围虾", C_SEAFOOD, 6800, LK_ALG_SHRIMP, 0, 10 },
	{ "墨鱼滑", C_SEAFOOD, 3800, LK_ALG_SHELLFISH, 0, 12 },
	{ "鱿鱼须", C_SEAFOOD, 3200, LK_ALG_SHELLFISH, 0, 10 },
	{ "巴沙鱼片", C_SEAFOOD, 3600, LK_ALG_FISH, 0, 14 },
	{ "鲜鱼片", C_SEAFOOD, 4200, LK_ALG_FISH, 0, 8 },
	{ "蟹棒", C_SEAFOOD, 2200, LK_ALG_CRAB, 0, 10 },
	{ "扇贝", C_SEAFOOD, 5800, LK_ALG_SHELLFISH, 0, 6 },
	{ "鲜鲍鱼", C_SEAFOOD, 12800, LK_ALG_SHELLFISH, LK_DISH_PREMIUM, 3 },
	{ "花甲", C_SEAFOOD, 3600, LK_ALG_SHELLFISH, 0, 8 },
	{ "鱼豆腐", C_SEAFOOD, 1800, LK_ALG_FISH, 0, 12 },
	{ "黄辣丁", C_SEAFOOD, 5800, LK_ALG_FISH, 0, 5 },
	{ "虾饺", C_SEAFOOD, 2800, LK_ALG_SHRIMP, 0, 8 },
	{ "帝王蟹腿", C_SEAFOOD, 26800, LK_ALG_CRAB, LK_DISH_PREMIUM, 1 },
	/* vegetables */
	{ "土豆片", C_VEG, 1200, 0, 0, 24 },
	{ "冬瓜", C_VEG, 1000, 0, 0, 14 },
	{ "藕片", C_VEG, 1400, 0, 0, 18 },
	{ "娃娃菜", C_VEG, 1400, 0, 0, 20 },
	{ "金针菇", C_VEG, 1600, 0, 0, 22 },
	{ "香菇", C_VEG, 1600, 0, 0, 10 },
	{ "嫩豆腐", C_VEG, 1200, 0, 0, 14 },
	{ "冻豆腐", C_VEG, 1200, 0, 0, 14 },
	{ "腐竹", C_VEG, 1600, 0, 0, 14 },
	{ "海带结", C_VEG, 1200, 0, 0, 12 },
	{ "生菜", C_VEG, 1200, 0, 0, 14 },
	{ "茼蒿", C_VEG, 1400, 0, 0, 10 },
	{ "豆芽", C_VEG, 1000, 0, 0, 8 },
	{ "竹笋", C_VEG, 1800, 0, 0, 8 },
	{ "木耳", C_VEG, 1600, 0, 0, 10 },
	{ "鲜豆皮", C_VEG, 1400, 0, 0, 10 },
	{ "山药", C_VEG, 1600, 0, 0, 8 },
	{ "菌菇拼盘", C_VEG, 3800, 0, 0, 10 },
	{ "蔬菜拼盘", C_VEG, 3200, 0, 0, 12 },
	{ "红薯宽粉", C_VEG, 1200, 0, 0, 16 },
	/* staples */
	{ "捞面", C_STAPLE, 1200, LK_ALG_EGG, 0, 16 },
	{ "米饭", C_STAPLE, 300, 0, 0, 18 },
	{ "蛋炒饭", C_STAPLE, 1800, LK_ALG_EGG, 0, 8 },
	{ "方便面", C_STAPLE, 800, 0, 0, 8 },
	{ "手工水饺", C_STAPLE, 2200, 0, 0, 6 },
	{ "粉丝", C_STAPLE, 1000, 0, 0, 8 },
	/* snacks */
	{ "炸馒头", C_SNACK, 1200, LK_ALG_MILK, 0, 12 },
	{ "小油条", C_SNACK, 1400, 0, 0, 14 },
	{ "拍黄瓜", C_SNACK, 1200, LK_ALG_SESAME, 0, 10 },
	{ "凉拌木耳", C_SNACK, 1600, 0, 0, 6 },
	{ "盐水毛豆", C_SNACK, 1200, 0, 0, 8 },
	{ "香酥花生", C_SNACK, 1000, LK_ALG_PEANUT, 0, 10 },
	{ "卤鹌鹑蛋", C_SNACK, 1800, LK_ALG_EGG, 0, 6 },
	/* drinks */
	{ "酸梅汤", C_DRINK, 1200, 0, 0, 24 },
	{ "现磨豆浆", C_DRINK, 1000, 0, 0, 12 },
	{ "可乐", C_DRINK, 800, 0, 0, 16 },
	{ "雪碧", C_DRINK, 800, 0, 0, 8 },
	{ "王老吉", C_DRINK, 900, 0, 0, 12 },
	{ "青岛啤酒", C_DRINK, 1200, 0, 0, 14 },
	{ "柠檬水", C_DRINK, 600, 0, 0, 8 },
	{ "椰子汁", C_DRINK, 1800, 0, 0, 6 },
	{ "鲜榨西瓜汁", C_DRINK, 2800, 0, 0, 5 },
	/* desserts */
	{ "红糖糍粑", C_DESSERT, 2200, LK_ALG_SESAME, 0, 20 },
	{ "冰粉", C_DESSERT, 1200, LK_ALG_PEANUT, 0, 18 },
	{ "水果拼盘", C_DESSERT, 2800, 0, 0, 8 },
	{ "芒果布丁", C_DESSERT, 1600, LK_ALG_MANGO | LK_ALG_MILK, 0, 6 },
	{ "双皮奶", C_DESSERT, 1800, LK_ALG_MILK, 0, 6 },
	{ "冰淇淋", C_DESSERT, 1200, LK_ALG_MILK, 0, 6 },
	{ "芒果班戟", C_DESSERT, 2200, LK_ALG_MANGO | LK_ALG_MILK | LK_ALG_EGG, 0, 5 },
	{ "龟苓膏", C_DESSERT, 1400, 0, 0, 5 },
};
#define SOUP_YUANYANG 4 /* menu[4], 鸳鸯锅底 */
#define NMENU ((int)(sizeof(menu) / sizeof(menu[0])))

/* ---- people ---- */

/* Surnames weighted by share of the population (per 10,000, 2020 census order). */
static const struct {
	const char *s;
	int w;
} surnames[] = {
	{ "王", 710 }, { "李", 700 }, { "张", 670 }, { "刘", 540 }, { "陈", 450 }, { "杨", 310 },
	{ "黄", 220 }, { "赵", 200 }, { "吴", 190 }, { "周", 190 }, { "徐", 150 }, { "孙", 150 },
	{ "马", 140 }, { "朱", 130 }, { "胡", 130 }, { "郭", 120 }, { "何", 120 }, { "林", 110 },
	{ "高", 110 }, { "罗", 100 }, { "郑", 100 }, { "梁", 90 },  { "谢", 80 },  { "宋", 70 },
	{ "唐", 70 },  { "许", 70 },  { "韩", 60 },  { "冯", 60 },  { "邓", 60 },  { "曹", 60 },
	{ "彭", 50 },  { "曾", 50 },  { "肖", 50 },  { "田", 50 },  { "董", 50 },  { "袁", 50 },
	{ "潘", 50 },  { "于", 50 },  { "蒋", 50 },  { "蔡", 40 },  { "余", 40 },  { "杜", 40 },
	{ "叶", 40 },  { "程", 40 },  { "苏", 40 },  { "魏", 40 },  { "吕", 40 },  { "丁", 40 },
	{ "任", 40 },  { "沈", 30 },  { "姚", 30 },  { "卢", 30 },  { "姜", 30 },  { "崔", 30 },
	{ "钟", 30 },  { "谭", 30 },  { "陆", 30 },  { "汪", 30 },  { "范", 30 },  { "金", 30 },
	{ "石", 30 },  { "廖", 30 },  { "贾", 30 },  { "夏", 30 },  { "韦", 30 },  { "付", 30 },
	{ "方", 30 },  { "白", 20 },  { "邹", 20 },  { "孟", 20 },  { "熊", 20 },  { "秦", 20 },
	{ "邱", 20 },  { "江", 20 },  { "尹", 20 },  { "薛", 20 },  { "闫", 20 },  { "段", 20 },
	{ "雷", 20 },  { "侯", 20 },  { "龙", 20 },  { "史", 20 },  { "陶", 20 },  { "黎", 20 },
	{ "贺", 20 },  { "顾", 20 },  { "毛", 20 },  { "郝", 20 },  { "龚", 20 },  { "邵", 20 },
	{ "万", 20 },  { "钱", 20 },  { "严", 20 },  { "覃", 10 },  { "武", 10 },  { "戴", 10 },
	{ "莫", 10 },  { "孔", 10 },  { "向", 10 },  { "汤", 10 },  { "欧阳", 5 }, { "上官", 1 },
	{ "司马", 1 }, { "诸葛", 1 },
};
#define NSURNAMES ((int)(sizeof(surnames) / sizeof(surnames[0])))

static const char *const given_male[] = {
	"伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏",
	"华", "飞", "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙",
	"林", "阳", "建", "国", "志", "文", "博", "晨", "轩", "睿", "子", "泽", "宏", "海",
	"峰", "亮", "成", "东", "昊", "然", "天", "一",
};
static const char *const given_female[] = {
	"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "燕", "婷", "雪", "倩",
	"颖", "琳", "晶", "欣", "怡", "洁", "慧", "佳", "梦", "雨", "萱", "涵", "思", "彤",
	"悦", "璐", "瑶", "丹", "月", "妍", "琪", "蕾", "薇", "红", "梅", "兰", "英", "晓",
	"诗", "可", "心", "语",
};
#define NGM ((int)(sizeof(given_male) / sizeof(given_male[0])))
#define NGF ((int)(sizeof(given_female) / sizeof(given_female[0])))

/* Real mobile prefixes of the three carriers. */
static const char *const phone_prefixes[] = {
	"134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158",
	"159", "178", "182", "183", "184", "187", "188", "198", "130", "131", "132", "145",
	"155", "156", "166", "175", "176", "185", "186", "133", "149", "153", "173", "177",
	"180", "181", "189", "191", "199", "195", "193",
};
#define NPREFIX ((int)(sizeof(phone_prefixes) / sizeof(phone_prefixes[0])))

static const struct {
	const char *v;
	unsigned alg;
	int w;
} allergies[] = {
	{ "花生", LK_ALG_PEANUT, 30 },
	{ "虾", LK_ALG_SHRIMP, 25 },
	{ "芒果", LK_ALG_MANGO, 12 },
	{ "牛奶", LK_ALG_MILK, 10 },
	{ "海鲜", LK_ALG_SHRIMP | LK_ALG_CRAB | LK_ALG_FISH | LK_ALG_SHELLFISH, 10 },
	{ "蟹", LK_ALG_CRAB, 6 },
	{ "芝麻", LK_ALG_SESAME, 4 },
	{ "鸡蛋", LK_ALG_EGG, 3 },
};
#define NALLERGY ((int)(sizeof(allergies) / sizeof(allergies[0])))

static const char *const tastes[] = { "麻酱蘸料", "香油蒜泥油碟", "口味偏清淡", "重口味",
				      "喜欢酸甜", "干碟辣椒面" };
static const char *const dislikes[] = { "香菜", "葱", "蒜", "内脏", "羊肉膻味", "太咸" };
static const char *const special_needs[] = { "轮椅通道", "安静的包间", "靠窗座位",
					      "需要充电宝", "不要打扰" };
static const char *const spice_levels[] = { "不辣", "微辣", "中辣", "特辣" };

const char *const lk_demo_archetype_names[LK_ARCH_COUNT] = {
	"weekly", "monthly", "occasional", "drifting", "churned", "new", "once",
};
/* Shares per 1,000 guests; tuned so 24 months average about 10 visits. */
static const int archetype_w[LK_ARCH_COUNT] = { 40, 130, 320, 120, 150, 50, 190 };

/* ---- init ---- */

bool lk_demo_config_check(const struct lk_demo_config *cfg, const char **why)
{
	if (cfg->nstores < 1 || cfg->nstores > LK_DEMO_STORES_MAX) {
		*why = "'stores' must be between 1 and 500";
		return false;
	}
	if (cfg->nguests < 0 || cfg->nguests > LK_DEMO_GUESTS_MAX) {
		*why = "'guests' must be between 0 and 50000000";
		return false;
	}
	if (cfg->months < 1 || cfg->months > LK_DEMO_MONTHS_MAX) {
		*why = "'months' must be between 1 and 60";
		return false;
	}
	if (cfg->now < 946684800) {
		*why = "'now' must be after 2000-01-01";
		return false;
	}
	return true;
}

void lk_demo_init(struct lk_demo *d, const struct lk_demo_config *cfg)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	int64_t today = lk_demo_local_day(cfg->now);
	d->last_day = today - 1;
	d->first_day = today - (int64_t)((double)cfg->months * 30.4375 + 0.5);
	int64_t day0 = d->first_day - 400;   /* the chain opened before the history */

	struct lk_rng r;
	lk_rng_seed(&r, cfg->seed ^ 0x53544F524553ULL);
	d->nstores = cfg->nstores;
	int branch[NSTORE_TPL] = { 0 };
	for (int i = 0; i < d->nstores; i++) {
		struct lk_demo_store *s = &d->stores[i];
		int t = i % NSTORE_TPL;
		s->s.id = i + 1;
		if (i < NSTORE_TPL) {
			snprintf(s->s.code, sizeof(s->s.code), "%s", store_tpl[t].code);
			snprintf(s->s.name, sizeof(s->s.name), "%s", store_tpl[t].name);
		} else {
			/* numbered branches of the same cities: CD01 -> CD21, 成都21号店 */
			int n = (int)(i / NSTORE_TPL) * NSTORE_TPL + ++branch[t] + 1;
			snprintf(s->s.code, sizeof(s->s.code), "%.2s%03d", store_tpl[t].code, n);
			snprintf(s->s.name, sizeof(s->s.name), "%s%d号店", store_tpl[t].city, n);
		}
		snprintf(s->s.city, sizeof(s->s.city), "%s", store_tpl[t].city);
		snprintf(s->s.region, sizeof(s->s.region), "%s", store_tpl[t].region);
		snprintf(s->s.timezone, sizeof(s->s.timezone), "Asia/Shanghai");
		s->late_night = store_tpl[t].late_night;
		s->weight = store_tpl[t].weight;
		s->opened_at = (day0 - (int64_t)lk_rng_below(&r, 900)) * 86400 -
			       LK_DEMO_TZ_OFFSET_S + 10 * 3600;
		d->store_weight_total += s->weight;
	}
	d->ndishes = NMENU < LK_DEMO_DISHES_MAX ? NMENU : LK_DEMO_DISHES_MAX;
	for (int i = 0; i < d->ndishes; i++) {
		struct lk_demo_dish *m = &d->dishes[i];
		m->d.id = i + 1;
		snprintf(m->d.name, sizeof(m->d.name), "%s", menu[i].name);
		snprintf(m->d.category, sizeof(m->d.category), "%s",
			 lk_dish_categories[menu[i].cat]);
		m->d.price_fen = menu[i].price;
		m->d.active = true;
		m->category = menu[i].cat;
		m->allergens = menu[i].alg;
		m->flags = menu[i].flags;
		m->popularity = menu[i].pop;
	}
}

/* ---- one guest ---- */

/* A bijection of [0, 10^8): a 4-round Feistel network on two base-10^4 halves. */
static uint32_t phone_permute(uint64_t seed, uint32_t x)
{
	uint32_t l = x / 10000, r = x % 10000;
	for (int round = 0; round < 4; round++) {
		uint64_t k = seed + (uint64_t)round * 0x9E3779B97F4A7C15ULL + r;
		uint32_t f = (uint32_t)(splitmix64(&k) % 10000);
		uint32_t nl = r;
		r = (l + f) % 10000;
		l = nl;
	}
	return l * 10000 + r;
}

struct gen {
	const struct lk_demo *d;
	struct lk_demo_guest *g;
	struct lk_rng r;
	int home;                 /* store index */
	double delivery_share;
	int nfav;
	int fav[3];               /* dish indexes */
	int soup;                 /* favourite soup base, -1 none */
	int nallergy;
	int allergy[2];           /* indexes into allergies[] */
	int64_t join_day, stop_day;
	int nitems;               /* used in item_pool */
};

static bool dish_ok(const struct gen *x, int di)
{
	const struct lk_demo_dish *m = &x->d->dishes[di];
	if (m->allergens & x->g->allergens)
		return false;
	if ((x->g->traits & LK_TRAIT_VEGETARIAN) &&
	    (m->category == C_MEAT || m->category == C_SEAFOOD ||
	     (m->category == C_SOUP && !(m->flags & LK_DISH_VEG_SOUP))))
		return false;
	return true;
}

/* A dish of category cat the guest may eat, weighted by popularity; -1 if none. */
static int pick_dish(struct gen *x, int cat)
{
	const struct lk_demo *d = x->d;
	bool big = x->g->traits & LK_TRAIT_BIG_SPENDER;
	int total = 0;
	for (int i = 0; i < d->ndishes; i++)
		if (d->dishes[i].category == cat && dish_ok(x, i))
			total += d->dishes[i].popularity *
				 (big && (d->dishes[i].flags & LK_DISH_PREMIUM) ? 8 : 1);
	if (total == 0)
		return -1;
	int v = (int)lk_rng_below(&x->r, (uint32_t)total);
	for (int i = 0; i < d->ndishes; i++) {
		if (d->dishes[i].category != cat || !dish_ok(x, i))
			continue;
		int w = d->dishes[i].popularity *
			(big && (d->dishes[i].flags & LK_DISH_PREMIUM) ? 8 : 1);
		if (v < w)
			return i;
		v -= w;
	}
	return -1;
}

static void add_fact(struct gen *x, const char *kind, const char *value, const char *source,
		     int64_t at)
{
	struct lk_demo_guest *g = x->g;
	if (g->nfacts >= LK_DEMO_FACTS_MAX)
		return;
	struct lk_fact *f = &g->facts[g->nfacts++];
	f->id = 0;
	f->customer_id = 0;
	snprintf(f->kind, sizeof(f->kind), "%s", kind);
	snprintf(f->value, sizeof(f->value), "%s", value);
	snprintf(f->source, sizeof(f->source), "%s", source);
	f->created_by = 0;
	f->created_by_name[0] = '\0';
	f->created_at = at;
}

static void gen_name(struct lk_rng *r, const char *surname, bool male, char *out, size_t outsz)
{
	const char *a = male ? given_male[lk_rng_below(r, NGM)] : given_female[lk_rng_below(r, NGF)];
	if (chance(r, 0.25)) {
		snprintf(out, outsz, "%s%s", surname, a);
		return;
	}
	const char *b = male ? given_male[lk_rng_below(r, NGM)] : given_female[lk_rng_below(r, NGF)];
	snprintf(out, outsz, "%s%s%s", surname, a, b);
}

static const char *pick_surname(struct lk_rng *r)
{
	int total = 0;
	for (int i = 0; i < NSURNAMES; i++)
		total += surnames[i].w;
	int v = (int)lk_rng_below(r, (uint32_t)total);
	for (int i = 0; i < NSURNAMES; i++) {
		if (v < surnames[i].w)
			return surnames[i].s;
		v -= surnames[i].w;
	}
	return surnames[0].s;
}

static void random_birthday(struct lk_rng *r, int year, int *m, int *d)
{
	*m = (int)between(r, 1, 12);
	*d = (int)between(r, 1, month_days(year ? year : 2001, *m));
}

static void gen_profile(struct gen *x, int this_year)
{
	struct lk_demo_guest *g = x->g;
	struct lk_customer *c = &g->c;
	struct lk_rng *r = &x->r;
	const char *sur = pick_surname(r);
	int gsel = (int)lk_rng_below(r, 100);
	bool male = gsel < 48;
	snprintf(c->gender, sizeof(c->gender), "%s", gsel < 48 ? "male" : gsel < 95 ? "female" : "unknown");
	if (gsel >= 95)
		male = chance(r, 0.5);
	if (chance(r, 0.04)) /* the waiter only caught the surname */
		snprintf(c->name, sizeof(c->name), "%s%s", sur, male ? "先生" : "女士");
	else
		gen_name(r, sur, male, c->name, sizeof(c->name));

	uint32_t suffix = phone_permute(x->d->cfg.seed, (uint32_t)g->index);
	snprintf(c->phone, sizeof(c->phone), "+86%s%08u",
		 phone_prefixes[lk_rng_below(r, NPREFIX)], (unsigned)suffix);

	/* ages 18-75, most between 22 and 45; year known for 70% */
	int age = 18 + (int)(lk_rng_below(r, 20) + lk_rng_below(r, 20) + lk_rng_below(r, 18));
	int by = this_year - age;
	c->birth_year = chance(r, 0.7) ? by : 0;
	random_birthday(r, c->birth_year, &c->birth_month, &c->birth_day);

	c->nfamily = 0;
	c->ntags = 0;
	c->notes = NULL;
	c->version = 1;
	if (chance(r, 0.28)) {
		g->traits |= LK_TRAIT_FAMILY;
		if (age >= 24 && chance(r, 0.75)) {
			struct lk_family_member *m = &c->family[c->nfamily++];
			snprintf(m->relation, sizeof(m->relation), "配偶");
			gen_name(r, pick_surname(r), !male, m->name, sizeof(m->name));
			m->birth_year = chance(r, 0.5) ? by + (int)between(r, -4, 4) : 0;
			random_birthday(r, m->birth_year, &m->birth_month, &m->birth_day);
		}
		if (age >= 25) {
			int kids = chance(r, 0.6) ? 1 : chance(r, 0.6) ? 2 : 0;
			for (int k = 0; k < kids; k++) {
				struct lk_family_member *m = &c->family[c->nfamily++];
				bool son = chance(r, 0.5);
				snprintf(m->relation, sizeof(m->relation), "%s", son ? "儿子" : "女儿");
				gen_name(r, sur, son, m->name, sizeof(m->name));
				int ky = by + 24 + (int)lk_rng_below(r, 14);
				m->birth_year = ky <= this_year ? ky : this_year;
				random_birthday(r, m->birth_year, &m->birth_month, &m->birth_day);
			}
		}
		if (chance(r, 0.2) || c->nfamily == 0) {
			struct lk_family_member *m = &c->family[c->nfamily++];
			bool father = chance(r, 0.5);
			snprintf(m->relation, sizeof(m->relation), "%s", father ? "父亲" : "母亲");
			m->name[0] = '\0';
			m->birth_year = 0;
			random_birthday(r, 0, &m->birth_month, &m->birth_day);
		}
	}

	int swt[] = { 40, 20, 15, 14, 5, 1, 5 }; /* lk_guest_sources order */
	snprintf(c->source, sizeof(c->source), "%s", lk_guest_sources[pick_weighted(r, swt, 7)]);
	c->consent = chance(r, 0.62);
	static const char *const cch[] = { "in_store", "member_card", "app", "wechat",
					   "online_booking" };
	c->consent_channel[0] = '\0';
	if (c->consent)
		snprintf(c->consent_channel, sizeof(c->consent_channel), "%s", cch[lk_rng_below(r, 5)]);
}

static void gen_traits(struct gen *x)
{
	struct lk_demo_guest *g = x->g;
	struct lk_rng *r = &x->r;
	int v = (int)lk_rng_below(r, 1000);
	if (v < 45)
		g->traits |= LK_TRAIT_VEGETARIAN;
	else if (v < 165)
		g->traits |= LK_TRAIT_SEAFOOD;
	if (chance(r, 0.06))
		g->traits |= LK_TRAIT_BIG_SPENDER;
	g->allergens = 0;
	if (chance(r, 0.07)) {
		int w[NALLERGY];
		for (int i = 0; i < NALLERGY; i++)
			w[i] = allergies[i].w;
		int n = chance(r, 0.12) ? 2 : 1;
		for (int k = 0; k < n; k++) {
			int a = pick_weighted(r, w, NALLERGY);
			if (k == 1 && a == x->allergy[0])
				break;
			x->allergy[x->nallergy++] = a;
			g->allergens |= allergies[a].alg;
		}
	}
	/* seafood lovers allergic to all seafood are just guests */
	if ((g->traits & LK_TRAIT_SEAFOOD) && (g->allergens & LK_ALG_FISH))
		g->traits &= ~(unsigned)LK_TRAIT_SEAFOOD;
	x->delivery_share = chance(r, 0.2) ? 0.35 : 0.06;
}

/* The guest's archetype, first and last possible day. */
static void gen_span(struct gen *x)
{
	const struct lk_demo *d = x->d;
	struct lk_rng *r = &x->r;
	int64_t a = d->first_day, b = d->last_day, w = b - a + 1;
	int arch = pick_weighted(r, archetype_w, LK_ARCH_COUNT);
	/* a short history cannot hold drifting or churned guests */
	if ((arch == LK_ARCH_CHURNED && w <= 200) || (arch == LK_ARCH_DRIFTING && w <= 90))
		arch = LK_ARCH_OCCASIONAL;
	x->g->archetype = arch;
	switch (arch) {
	case LK_ARCH_WEEKLY:
		x->join_day = a + between(r, 0, w * 4 / 10);
		x->stop_day = b;
		break;
	case LK_ARCH_MONTHLY:
		x->join_day = a + between(r, 0, w / 2);
		x->stop_day = b;
		break;
	case LK_ARCH_DRIFTING:
		x->stop_day = b - between(r, 61, w < 180 ? w - 1 : 179);
		x->join_day = a + between(r, 0, (x->stop_day - a) / 2);
		break;
	case LK_ARCH_CHURNED:
		x->stop_day = b - between(r, 181, w - 1);
		x->join_day = x->stop_day - between(r, 0, 240);
		if (x->join_day < a)
			x->join_day = a;
		break;
	case LK_ARCH_NEW:
		x->join_day = b - between(r, 0, 29 < w - 1 ? 29 : w - 1);
		x->stop_day = b;
		break;
	case LK_ARCH_ONCE:
		x->join_day = a + between(r, 0, w - 1);
		x->stop_day = x->join_day;
		break;
	default:
		x->join_day = a + between(r, 0, w * 9 / 10);
		x->stop_day = b;
		break;
	}
}

/* Mean gap in days between visits. */
static double arch_gap(struct gen *x)
{
	struct lk_rng *r = &x->r;
	switch (x->g->archetype) {
	case LK_ARCH_WEEKLY: return 5.0 + 7.0 * lk_rng_unit(r);
	case LK_ARCH_MONTHLY: return 18.0 + 24.0 * lk_rng_unit(r);
	case LK_ARCH_DRIFTING: return 12.0 + 26.0 * lk_rng_unit(r);
	case LK_ARCH_CHURNED: return 30.0 + 60.0 * lk_rng_unit(r);
	case LK_ARCH_NEW: return 6.0 + 14.0 * lk_rng_unit(r);
	case LK_ARCH_ONCE: return 1e9;
	default: return 45.0 + 100.0 * lk_rng_unit(r);
	}
}

static int pick_store(struct gen *x)
{
	const struct lk_demo *d = x->d;
	int64_t v = (int64_t)(lk_rng_unit(&x->r) * (double)d->store_weight_total);
	for (int i = 0; i < d->nstores; i++) {
		if (v < d->stores[i].weight)
			return i;
		v -= d->stores[i].weight;
	}
	return d->nstores - 1;
}

/* Business minute of the seating: lunch and dinner peaks, 宵夜 at late stores. */
static int seat_minute(struct gen *x, bool late_night)
{
	struct lk_rng *r = &x->r;
	int v = (int)lk_rng_below(r, 100);
	int m;
	if (v < 36) /* lunch, peak about 12:15 */
		m = 11 * 60 + (int)(lk_rng_below(r, 90) + lk_rng_below(r, 90));
	else if (v < 43) /* afternoon */
		m = 14 * 60 + (int)lk_rng_below(r, 180);
	else if (v < 88) /* dinner, peak about 18:45 */
		m = 17 * 60 + 15 + (int)(lk_rng_below(r, 105) + lk_rng_below(r, 105));
	else if (!late_night || v < 93) /* late evening */
		m = 20 * 60 + 45 + (int)lk_rng_below(r, 105);
	else /* 宵夜 */
		m = 22 * 60 + 30 + (int)(lk_rng_below(r, 100) + lk_rng_below(r, 80));
	if (m < 10 * 60 + 45 && v < 36)
		m = 10 * 60 + 45;
	int last = late_night ? LK_DEMO_LATE_SEAT_MIN : LK_DEMO_LAST_SEAT_MIN;
	if (m > last)
		m = last;
	if (m < LK_DEMO_OPEN_MIN)
		m = LK_DEMO_OPEN_MIN;
	return m;
}

static int party_size(struct gen *x, bool surge)
{
	struct lk_rng *r = &x->r;
	static const int w[] = { 0, 5, 32, 22, 18, 9, 6, 3, 3, 1, 1 }; /* sizes 0..10 */
	int p = pick_weighted(r, w, 11);
	if ((x->g->traits & LK_TRAIT_FAMILY) && p < 3 && chance(r, 0.5))
		p = 3 + (int)lk_rng_below(r, 3);
	if ((x->g->traits & LK_TRAIT_BIG_SPENDER) && chance(r, 0.4))
		p += 2 + (int)lk_rng_below(r, 5);
	if (surge)
		p += 3 + (int)lk_rng_below(r, 5);
	return p;
}

/* Append the lines of visit v; returns false when the pool is full. */
static bool gen_items(struct gen *x, struct lk_visit *v, bool dine_in, bool surge)
{
	struct lk_rng *r = &x->r;
	struct lk_demo_guest *g = x->g;
	const struct lk_demo *d = x->d;
	if (x->nitems + LK_DEMO_LINES_MAX > LK_DEMO_VISITS_MAX * LK_DEMO_LINES_MAX)
		return false;
	v->items = &g->item_pool[x->nitems];
	v->nitems = 0;
	int chosen[LK_DEMO_LINES_MAX];
	int nlines;
	if (dine_in)
		nlines = 3 + (int)lk_rng_below(r, 5) + (v->party_size >= 5) + (surge ? 1 : 0);
	else
		nlines = 2 + (int)lk_rng_below(r, 4);
	if (nlines > LK_DEMO_LINES_MAX)
		nlines = LK_DEMO_LINES_MAX;

	int n = 0;
	if (dine_in || chance(r, 0.6)) {
		int s = (x->soup >= 0 && chance(r, 0.75)) ? x->soup : pick_dish(x, C_SOUP);
		if (v->party_size >= 4 && !(g->traits & LK_TRAIT_VEGETARIAN) && chance(r, 0.3))
			s = SOUP_YUANYANG; /* half spicy, half mild for a mixed table */
		if (s >= 0 && dish_ok(x, s))
			chosen[n++] = s;
	}
	for (int f = 0; f < x->nfav && n < nlines; f++)
		if (chance(r, 0.6))
			chosen[n++] = x->fav[f];

	int cw_normal[] = { 34, 12, 24, 0, 8, 9, 8, 5 };
	int cw_sea[] = { 16, 36, 20, 0, 8, 8, 7, 5 };
	int cw_veg[] = { 0, 0, 52, 0, 16, 14, 10, 8 };
	int *cw = (g->traits & LK_TRAIT_VEGETARIAN) ? cw_veg
		  : (g->traits & LK_TRAIT_SEAFOOD)  ? cw_sea
						     : cw_normal;
	for (int tries = 0; n < nlines && tries < nlines * 4; tries++) {
		int di = pick_dish(x, pick_weighted(r, cw, LK_NCATEGORIES));
		if (di < 0)
			continue;
		bool dup = false;
		for (int k = 0; k < n; k++)
			dup |= chosen[k] == di;
		if (!dup)
			chosen[n++] = di;
	}
	int64_t amount = 0;
	for (int k = 0; k < n; k++) {
		const struct lk_demo_dish *m = &d->dishes[chosen[k]];
		int qty = 1;
		int p = v->party_size;
		switch (m->category) {
		case C_MEAT:
		case C_SEAFOOD:
			qty += (p >= 4 && chance(r, 0.45)) + (p >= 7 && chance(r, 0.5));
			qty += (g->traits & LK_TRAIT_BIG_SPENDER) && chance(r, 0.3);
			break;
		case C_STAPLE:
		case C_DRINK:
			qty = 1 + (int)lk_rng_below(r, (uint32_t)(p < 6 ? p : 6));
			break;
		case C_SOUP:
			break;
		default:
			qty += p >= 5 && chance(r, 0.4);
		}
		struct lk_visit_item *it = &v->items[v->nitems++];
		it->dish_id = m->d.id;
		it->qty = qty;
		it->unit_price_fen = m->d.price_fen;
		amount += (int64_t)qty * m->d.price_fen;
		int ci = m->category;
		g->c.spend_by_category[ci] += (int64_t)qty * m->d.price_fen;
	}
	x->nitems += v->nitems;
	v->amount_fen = amount;
	return true;
}

/* Add a visit on local day day; false when full or in the future. */
static bool add_visit(struct gen *x, int64_t day, bool surge)
{
	struct lk_demo_guest *g = x->g;
	const struct lk_demo *d = x->d;
	struct lk_rng *r = &x->r;
	if (g->nvisits >= LK_DEMO_VISITS_MAX)
		return false;
	struct lk_visit *v = &g->visits[g->nvisits];
	v->id = 0;
	v->customer_id = 0;
	v->pos_order_id[0] = '\0';
	double c = lk_rng_unit(r);
	bool dine_in = surge || c >= x->delivery_share;
	snprintf(v->channel, sizeof(v->channel), "%s",
		 dine_in ? "dine_in" : chance(r, 0.3) ? "takeout" : "delivery");
	int si = (!dine_in || chance(r, 0.86)) ? x->home : pick_store(x);
	v->store_id = d->stores[si].s.id;
	v->party_size = dine_in ? party_size(x, surge) : 1 + (int)lk_rng_below(r, 3);
	int m = seat_minute(x, d->stores[si].late_night);
	v->visited_at = day * 86400 - LK_DEMO_TZ_OFFSET_S + (int64_t)m * 60 + lk_rng_below(r, 60);
	if (v->visited_at >= d->cfg.now)
		return false;
	/* the POS sends the bill when the table pays */
	v->created_at = v->visited_at + (dine_in ? 3600 + lk_rng_below(r, 5400) : 600 + lk_rng_below(r, 1800));
	if (!gen_items(x, v, dine_in, surge))
		return false;
	g->nvisits++;
	return true;
}

static int month_of_day(int64_t day)
{
	int y, m, dd;
	civil_from_days(day, &y, &m, &dd);
	return m;
}

static void gen_visits(struct gen *x)
{
	struct lk_demo_guest *g = x->g;
	const struct lk_demo *d = x->d;
	struct lk_rng *r = &x->r;
	double gap = arch_gap(x);
	bool regular = g->archetype == LK_ARCH_WEEKLY || g->archetype == LK_ARCH_MONTHLY ||
		       g->archetype == LK_ARCH_DRIFTING;
	int64_t day = x->join_day;
	while (day <= x->stop_day && g->nvisits < LK_DEMO_VISITS_MAX - 8) {
		int64_t vd = day;
		int wd = weekday(vd);
		/* many weekday plans move to the weekend */
		if (wd >= 1 && wd <= 4 && chance(r, 0.35))
			vd += 5 - wd + (int64_t)lk_rng_below(r, 3);
		if (vd > x->stop_day)
			vd = day;
		/* summer thins hot pot out */
		int mo = month_of_day(vd);
		if (!(mo >= 6 && mo <= 8 && vd != x->join_day && chance(r, 0.15)))
			add_visit(x, vd, false);
		double gd = gap * season_gap[mo - 1];
		double step = regular ? gd * (0.6 + 0.8 * lk_rng_unit(r))
				      : gd * (0.2 + 1.6 * lk_rng_unit(r));
		day = vd + (int64_t)(step < 1.0 ? 1.0 : step + 0.5);
	}
	/* the Spring Festival family dinner (除夕 to 初六, and the week before) */
	int64_t last_seen = x->stop_day;
	for (size_t i = 0; i < sizeof(spring_festival) / sizeof(spring_festival[0]); i++) {
		int64_t cny = days_from_civil(spring_festival[i].y, spring_festival[i].m,
					      spring_festival[i].d);
		if (cny < d->first_day || cny - 8 > d->last_day)
			continue;
		if (cny < x->join_day || cny > last_seen + 7 || g->archetype == LK_ARCH_ONCE)
			continue;
		/* regulars often come twice: a year-end dinner and a family gathering */
		int times = chance(r, regular ? 0.75 : 0.4) + (regular && chance(r, 0.4));
		for (int k = 0; k < times; k++) {
			int64_t sd = cny + between(r, -8, 6);
			if (sd >= x->join_day && sd <= d->last_day)
				add_visit(x, sd, true);
		}
	}
	/* keep visits in time order (the surge ones were appended) */
	for (int i = 1; i < g->nvisits; i++) {
		struct lk_visit t = g->visits[i];
		int j = i - 1;
		while (j >= 0 && g->visits[j].visited_at > t.visited_at) {
			g->visits[j + 1] = g->visits[j];
			j--;
		}
		g->visits[j + 1] = t;
	}
	/* a guest always has at least the visit that made them a guest */
	if (g->nvisits == 0) {
		for (int64_t dd = x->join_day; dd <= d->last_day && g->nvisits == 0; dd++)
			add_visit(x, dd, false);
		for (int64_t dd = x->join_day - 1; dd >= d->first_day && g->nvisits == 0; dd--)
			add_visit(x, dd, false);
	}
}

static void gen_facts(struct gen *x)
{
	struct lk_demo_guest *g = x->g;
	struct lk_rng *r = &x->r;
	const struct lk_demo *d = x->d;
	int64_t t0 = g->c.created_at;
	int64_t t1 = g->nvisits ? g->visits[g->nvisits - 1].created_at : t0;
	if (t1 < t0)
		t1 = t0;
	static const char *const src_any[] = { "waiter", "member_card", "survey", "online_booking",
					       "pos" };
#define WHEN() (t0 + (int64_t)(lk_rng_unit(r) * (double)(t1 - t0)))
	for (int i = 0; i < x->nallergy; i++)
		add_fact(x, "allergy", allergies[x->allergy[i]].v, src_any[lk_rng_below(r, 2)], t0);
	if (g->traits & LK_TRAIT_VEGETARIAN) {
		if (chance(r, 0.8))
			add_fact(x, "preference", "素食", src_any[lk_rng_below(r, 3)], t0);
	} else if ((g->traits & LK_TRAIT_SEAFOOD) && chance(r, 0.35)) {
		add_fact(x, "preference", "爱吃海鲜", "waiter", WHEN());
	}
	if (chance(r, 0.35)) {
		const char *home_region = d->stores[x->home].s.region;
		int w[] = { 20, 35, 30, 15 };
		if (strcmp(home_region, "西南") == 0 || strcmp(home_region, "华中") == 0) {
			w[0] = 5;
			w[3] = 35;
		}
		add_fact(x, "spice_level", spice_levels[pick_weighted(r, w, 4)],
			 src_any[lk_rng_below(r, 3)], WHEN());
	}
	if (x->soup >= 0)
		add_fact(x, "soup_base", d->dishes[x->soup].d.name, src_any[lk_rng_below(r, 3)],
			 WHEN());
	for (int f = 0; f < x->nfav; f++)
		add_fact(x, "favorite_dish", d->dishes[x->fav[f]].d.name,
			 src_any[lk_rng_below(r, 5)], WHEN());
	if (chance(r, 0.15))
		add_fact(x, "taste", tastes[lk_rng_below(r, 6)], "waiter", WHEN());
	if (chance(r, 0.10))
		add_fact(x, "dislike", dislikes[lk_rng_below(r, 6)], "waiter", WHEN());
	if ((g->traits & LK_TRAIT_FAMILY) && chance(r, 0.3))
		add_fact(x, "special_need", "宝宝椅", "online_booking", WHEN());
	else if (chance(r, 0.05))
		add_fact(x, "special_need", special_needs[lk_rng_below(r, 5)], "waiter", WHEN());
#undef WHEN
}

void lk_demo_guest_gen(const struct lk_demo *d, int64_t index, struct lk_demo_guest *g)
{
	struct gen x = { .d = d, .g = g, .soup = -1 };
	uint64_t s = d->cfg.seed * 0x9E3779B97F4A7C15ULL + (uint64_t)index;
	lk_rng_seed(&x.r, splitmix64(&s));

	g->index = index;
	g->archetype = LK_ARCH_OCCASIONAL;
	g->traits = 0;
	g->allergens = 0;
	g->nfacts = 0;
	g->nvisits = 0;
	struct lk_customer *c = &g->c;
	c->id = 0;
	c->visit_count = c->total_spend_fen = c->first_visit_at = c->last_visit_at = 0;
	for (int i = 0; i < LK_NCATEGORIES; i++)
		c->spend_by_category[i] = 0;

	int y, mo, dd;
	civil_from_days(d->last_day, &y, &mo, &dd);
	gen_profile(&x, y);
	gen_traits(&x);
	gen_span(&x);
	x.home = pick_store(&x);
	c->home_store_id = d->stores[x.home].s.id;

	/* favourites: what the guest can and does eat */
	if (chance(&x.r, 0.3)) {
		static const int favcat[] = { C_MEAT, C_MEAT, C_SEAFOOD, C_VEG, C_DESSERT, C_SNACK };
		int want = 1 + (int)lk_rng_below(&x.r, 3);
		for (int t = 0; t < 8 && x.nfav < want; t++) {
			int cat = (g->traits & LK_TRAIT_SEAFOOD) && chance(&x.r, 0.6)
					  ? C_SEAFOOD
					  : favcat[lk_rng_below(&x.r, 6)];
			int di = pick_dish(&x, cat);
			bool dup = di < 0;
			for (int k = 0; k < x.nfav && !dup; k++)
				dup = x.fav[k] == di;
			if (!dup)
				x.fav[x.nfav++] = di;
		}
	}
	if (chance(&x.r, 0.25))
		x.soup = pick_dish(&x, C_SOUP);

	gen_visits(&x);
	for (int i = 0; i < g->nvisits; i++) {
		const struct lk_visit *v = &g->visits[i];
		c->visit_count++;
		c->total_spend_fen += v->amount_fen;
		if (i == 0)
			c->first_visit_at = v->visited_at;
		c->last_visit_at = v->visited_at;
	}
	/*
	 * Registration: an online booking comes days before the first meal;
	 * otherwise the profile is made at the table.
	 */
	int64_t first = g->nvisits ? g->visits[0].visited_at
				   : d->last_day * 86400 - LK_DEMO_TZ_OFFSET_S + 12 * 3600;
	if (strcmp(c->source, "online_booking") == 0)
		c->created_at = first - 86400 * between(&x.r, 1, 6) - between(&x.r, 0, 36000);
	else
		c->created_at = first + between(&x.r, 120, 2400);
	c->consent_at = c->consent ? c->created_at : 0;
	gen_facts(&x);
	c->updated_at = c->created_at;
	for (int i = 0; i < g->nfacts; i++)
		if (g->facts[i].created_at > c->updated_at)
			c->updated_at = g->facts[i].created_at;
	for (int i = 0; i < g->nfacts; i++)
		g->facts[i].customer_id = 0;
}
