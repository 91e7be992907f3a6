#!/usr/bin/env python3
"""
gen_visits_csv.py - a POS order-line export for `laoke import visits`, of any size.

    python3 bench/gen_visits_csv.py --lines 1000000 --out visits.csv --menu menu.csv

Writes UTF-8 CSV with Chinese headers (门店,订单号,日期,时间,手机,姓名,人数,渠道,
菜品,数量,单价): one row per item line, 1-6 lines per order, orders of a few
stores over a year, about 40% of them with a member's phone (from a pool of
lines/20 guests), the rest walk-ins. --menu writes the 30-dish menu as a
dishes CSV (菜品,类别,价格) for `laoke import dishes` first. The same --seed
gives the same bytes.
"""
import argparse
import csv
import random
import sys

MENU = [
    ("肥牛卷", "meat", "38.00"), ("羊肉卷", "meat", "42.00"), ("毛肚", "meat", "46.00"),
    ("鸭肠", "meat", "32.00"), ("午餐肉", "meat", "18.00"), ("牛百叶", "meat", "36.00"),
    ("虾滑", "seafood", "38.00"), ("鱼片", "seafood", "34.00"), ("鲜虾", "seafood", "58.00"),
    ("墨鱼丸", "seafood", "26.00"), ("扇贝", "seafood", "48.00"),
    ("土豆片", "vegetable", "12.00"), ("藕片", "vegetable", "14.00"), ("冬瓜", "vegetable", "10.00"),
    ("生菜", "vegetable", "12.00"), ("金针菇", "vegetable", "16.00"), ("豆腐", "vegetable", "12.00"),
    ("番茄锅底", "soup_base", "28.00"), ("麻辣锅底", "soup_base", "32.00"),
    ("菌汤锅底", "soup_base", "30.00"), ("鸳鸯锅底", "soup_base", "36.00"),
    ("米饭", "staple", "3.00"), ("手工面", "staple", "12.00"), ("红糖糍粑", "snack", "22.00"),
    ("小酥肉", "snack", "28.00"), ("酸梅汤", "drink", "8.00"), ("啤酒", "drink", "12.00"),
    ("可乐", "drink", "6.00"), ("冰粉", "dessert", "10.00"), ("水果拼盘", "dessert", "26.00"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--stores", default="CD01,CD02,BJ01")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="-")
    ap.add_argument("--menu", help="also write the menu as a dishes CSV here")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    if a.menu:
        with open(a.menu, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["菜品", "类别", "价格"])
            w.writerows(MENU)
    stores = a.stores.split(",")
    guests = max(1, a.lines // 20)
    out = sys.stdout if a.out == "-" else open(a.out, "w", newline="", encoding="utf-8")
    w = csv.writer(out)
    w.writerow(["门店", "订单号", "日期", "时间", "手机", "姓名", "人数", "渠道", "菜品", "数量", "单价"])
    n = order = 0
    while n < a.lines:
        order += 1
        store = rnd.choice(stores)
        day = rnd.randrange(365)
        month, mday = 1, day + 1
        for ml in (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31):
            if mday <= ml:
                break
            mday -= ml
            month += 1
        date = "2025/%d/%d" % (month, mday)
        time = "%02d:%02d" % (rnd.choice((11, 12, 13, 17, 18, 19, 20, 21)), rnd.randrange(60))
        phone = name = ""
        if rnd.random() < 0.4:
            g = rnd.randrange(guests)
            phone = "139%08d" % g
            name = SURNAMES[g % len(SURNAMES)] + GIVEN[(g // 20) % len(GIVEN)]
        party = str(rnd.randint(1, 8))
        channel = rnd.choice(("堂食", "堂食", "堂食", "外卖", "外带"))
        for dish in rnd.sample(MENU, min(rnd.randint(1, 6), a.lines - n)):
            w.writerow([store, "P%08d" % order, date, time, phone, name, party, channel,
                        dish[0], rnd.randint(1, 3), dish[2]])
            n += 1
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
