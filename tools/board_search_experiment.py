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

# What the portal does (db/board.rs): a side table of neighbouring-character pairs, the
# rarest term's postings walked newest first in chunks of 500, each chunk's cases checked
# for the words. Same data, same database, same run.
import re
def runs(text):
    out=[]; cur=''; kind=None
    for c in text.lower():
        han = '\u4e00'<=c<='\u9fff' or '\u3400'<=c<='\u4dbf'
        if not han and not c.isalnum():
            if cur: out.append((kind,cur))
            cur=''; kind=None; continue
        if kind is None or kind==han: cur+=c; kind=han
        else: out.append((kind,cur)); cur=c; kind=han
    if cur: out.append((kind,cur))
    return out
def terms_of(text):
    t=set()
    for han,run in runs(text):
        if han and len(run)>1: t.update(run[i:i+2] for i in range(len(run)-1))
        else: t.add(run[:32])
    return t
t=time.perf_counter()
db.execute("create table board_texts(case_id integer primary key, text text not null)")
db.execute("create table board_terms(term text not null, case_id integer not null, primary key(term, case_id))")
for i,(title,desc) in enumerate(db.execute("select title, description from cases").fetchall()):
    text=(title+"\n"+desc).lower()
    db.execute("insert into board_texts values(?,?)",(i,text))
    db.executemany("insert into board_terms values(?,?)",((x,i) for x in terms_of(text)))
rows=db.execute("select count(*) from board_terms").fetchone()[0]
print(f"pair index build over {N} rows: {time.perf_counter()-t:.2f} s, {rows} postings ({rows/N:.0f} a case)")
def portal(q, limit=21):
    terms=set()
    for w in q.split(): terms|=terms_of(w)
    best=min(terms, key=lambda x: len(db.execute("select case_id from board_terms where term=? limit 1000",(x,)).fetchall()))
    found=[]; before=1<<62
    while True:
        ids=[r[0] for r in db.execute("select case_id from board_terms where term=? and case_id<? order by case_id desc limit 500",(best,before))]
        if not ids: break
        marks=",".join("?"*len(ids))
        found+=db.execute(f"select id from cases where id in ({marks}) and exists(select 1 from board_texts b where b.case_id=cases.id and b.text like ?) order by id desc limit ?", ids+[f"%{q}%", limit-len(found)]).fetchall()
        if len(found)>=limit or len(ids)<500: break
        before=ids[-1]
    return found
for q in ["垃圾","噪音扰民","物业管理","某某不存在"]:
    best=1e9
    for _ in range(5):
        t=time.perf_counter(); n=len(portal(q)); best=min(best,time.perf_counter()-t)
    print(f"pairs {q} (first 21): {n} rows, best of 5 {best*1000:.1f} ms")
print(db.execute("explain query plan select case_id from board_terms where term=? and case_id<? order by case_id desc limit 500",("垃圾",1<<62)).fetchall())
