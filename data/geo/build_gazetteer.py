#!/usr/bin/env python3
"""Builds the compact gazetteer committed in data/geo/ from ../shared/data/geo.

Usage: python3 data/geo/build_gazetteer.py /work/shared/data/geo data/geo

Outputs (tab-separated, gzip):
  places.tsv.gz   name|alias|alias  cc  admin1code  admin1name  lat  lon  population
                  GeoNames cities15000 (with ASCII aliases) plus the cities1000 places not
                  already present (population unknown = 0).
  zips.tsv.gz     zip  lat  lon     US ZCTA centroids.
  countries.tsv   iso  iso3  name   GeoNames countries.
  us_states.tsv   code  name
Coordinates are rounded to 4 decimals (about 11 m; 3 for the small places), far below the
city-centroid precision. At most 8 ASCII aliases are kept per city.
"""
import csv, gzip, io, json, sys, unicodedata, re
from pathlib import Path

src, out = Path(sys.argv[1]), Path(sys.argv[2])

def fold(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]", "", s)

def ascii_ok(s):
    return all(ord(c) < 128 for c in s) and any(c.isalpha() for c in s)

cities = json.load(gzip.open(src / "geonames_cities15000.json.gz", "rt", encoding="utf-8"))
rg = list(csv.DictReader(io.TextIOWrapper(gzip.open(src / "geonames_cities1000_rg.csv.gz"), encoding="utf-8", newline="")))

# admin1 names: take them from the cities1000 extract, matched by country + name + nearby point.
rg_by_key = {}
for r in rg:
    rg_by_key.setdefault((r["cc"], fold(r["name"])), []).append(r)

rows = []
seen = set()
for c in cities.values():
    name = c["name"]
    key = (c["countrycode"], fold(name))
    admin1name = ""
    for r in rg_by_key.get(key, []):
        if abs(float(r["lat"]) - c["latitude"]) < 0.3 and abs(float(r["lon"]) - c["longitude"]) < 0.3:
            admin1name = r["admin1"]
            seen.add((r["cc"], fold(r["name"]), r["lat"], r["lon"]))
            break
    aliases = []
    fset = {fold(name)}
    for a in c.get("alternatenames", []):
        # Only Latin-script aliases of real words: skip airport codes and duplicates after folding.
        if not ascii_ok(a) or (len(a) <= 3 and a.isupper()):
            continue
        f = fold(a)
        if len(f) < 3 or f in fset:
            continue
        fset.add(f)
        if len(aliases) >= 8:
            break
        aliases.append(a.replace("|", " ").replace("\t", " "))
    names = "|".join([name] + aliases)
    rows.append((names, c["countrycode"], c["admin1code"] or "", admin1name,
                 f'{c["latitude"]:.4f}', f'{c["longitude"]:.4f}', str(c["population"])))

near15000 = {(c["countrycode"], fold(c["name"])) for c in cities.values()}
for r in rg:
    k = (r["cc"], fold(r["name"]))
    if (r["cc"], k[1], r["lat"], r["lon"]) in seen or k in near15000:
        continue
    rows.append((r["name"], r["cc"], "", r["admin1"], f'{float(r["lat"]):.3f}', f'{float(r["lon"]):.3f}', "0"))

rows.sort(key=lambda x: (x[1], -int(x[6]), x[0]))
with gzip.GzipFile(out / "places.tsv.gz", "wb", compresslevel=9, mtime=0) as f:
    f.write("".join("\t".join(r) + "\n" for r in rows).encode("utf-8"))

zips = []
for r in csv.DictReader(io.TextIOWrapper(gzip.open(src / "us_zip_centroids.csv.gz"), encoding="utf-8")):
    zips.append(f'{r["zip"]}\t{float(r["latitude"]):.4f}\t{float(r["longitude"]):.4f}\n')
zips.sort()
with gzip.GzipFile(out / "zips.tsv.gz", "wb", compresslevel=9, mtime=0) as f:
    f.write("".join(zips).encode())

countries = json.load(gzip.open(src / "geonames_countries.json.gz", "rt", encoding="utf-8"))
with open(out / "countries.tsv", "w", encoding="utf-8") as f:
    for iso, c in sorted(countries.items()):
        f.write(f'{iso}\t{c["iso3"]}\t{c["name"]}\n')
states = json.load(open(src / "geonames_us_states.json", encoding="utf-8"))
with open(out / "us_states.tsv", "w", encoding="utf-8") as f:
    for code, s in sorted(states.items()):
        f.write(f'{code}\t{s["name"]}\n')
print(len(rows), "places,", len(zips), "zips,", len(countries), "countries,", len(states), "states")
