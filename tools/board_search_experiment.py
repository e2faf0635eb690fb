# Board search on 200,000 Chinese complaints: LIKE scan vs FTS5 trigram (SQLite 3.40, Python).
import sqlite3, csv, time, random, sys
# Run from the checkout: python3 tools/board_search_experiment.py (reads ../shared by path;
# the data is never copied into the repository).
path = sys.argv[1] if len(sys.argv) > 1 else '../shared/data/taidi2020-c-messages/dev.csv'
texts=[r['text'] for r in csv.DictReader(open(path))]
random.seed(1)
db=sqlite3.connect(':memory:')
db.execute("create table cases(id integer primary key, title text, description text)")
N=200000
db.executemany("insert into cases values(?,?,?)", ((i, texts[i%len(texts)][:20], texts[i%len(texts)]+str(i)) for i in range(N)))
t=time.perf_counter()
db.execute("create virtual table s using fts5(title, description, content='cases', content_rowid='id', tokenize='trigram')")
db.execute("insert into s(s) values('rebuild')")
print(f"fts5 trigram build over {N} rows: {time.perf_counter()-t:.2f} s")
def timed(label, sql, *a):
    best=1e9
    for _ in range(5):
        t=time.perf_counter(); n=len(db.execute(sql,a).fetchall()); best=min(best,time.perf_counter()-t)
    print(f"{label}: {n} rows, best of 5 {best*1000:.1f} ms")
for q in ["垃圾","噪音扰民","物业管理"]:
    timed(f"LIKE %{q}% (scan, first 21)", "select id from cases where title like ? or description like ? order by id desc limit 21", f"%{q}%", f"%{q}%")
    if len(q)>=3:
        timed(f"FTS5 MATCH {q} (first 21)", "select rowid from s where s match ? order by rowid desc limit 21", f'"{q}"')
    else:
        print(f"FTS5 trigram cannot serve {q}: two characters are below a trigram")
timed("LIKE %某某不存在% (scan, no hit)", "select id from cases where title like ? or description like ? order by id desc limit 21", "%某某不存在%", "%某某不存在%")
timed("FTS5 MATCH 某某不存在 (no hit)", "select rowid from s where s match ? order by rowid desc limit 21", '"某某不存在"')
