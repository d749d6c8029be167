package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"callboard"
)

// Facts: rows of what plugins observed about entities (migration 0007).
// They satisfy callboard.FactStore. A value is kept as JSON text beside
// the name of its type, so equal values have equal text and
// EntitiesWithFact compares them in SQL.

// PutFacts replaces source's facts about entity in one transaction.
// Errors: Invalid, Internal.
func (db *DB) PutFacts(ctx context.Context, source, entity string, facts []callboard.Fact) error {
	if source == "" || entity == "" {
		return callboard.Errorf(callboard.Invalid, "facts: source and entity are required")
	}
	type row struct {
		key, typ, value string
		at              int64
	}
	rows := make([]row, 0, len(facts))
	now := time.Now()
	for _, f := range facts {
		f.Entity, f.Source = entity, source
		if err := callboard.CheckFact(f); err != nil {
			return err
		}
		typ, value, err := encodeFactValue(f.Value)
		if err != nil {
			return err
		}
		at := f.At
		if at.IsZero() {
			at = now
		}
		rows = append(rows, row{f.Key, typ, value, at.UnixMilli()})
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.d.rebind(`DELETE FROM facts WHERE source = ? AND entity = ?`), source, entity); err != nil {
			return err
		}
		for _, r := range rows {
			// A key given twice keeps its last value.
			if _, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO facts (source, entity, key, type, value, at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (source, entity, key) DO UPDATE SET type = excluded.type, value = excluded.value, at = excluded.at`),
				source, entity, r.key, r.typ, r.value, r.at); err != nil {
				return err
			}
		}
		return nil
	})
	return db.classify(err, "facts of "+entity+" from "+source)
}

// FactsOf returns every source's facts about entity, by source and key.
// Errors: Internal.
func (db *DB) FactsOf(ctx context.Context, entity string) ([]callboard.Fact, error) {
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT source, key, type, value, at FROM facts WHERE entity = ? ORDER BY source, key`), entity)
	if err != nil {
		return nil, db.classify(err, "facts of "+entity)
	}
	defer rows.Close()
	var out []callboard.Fact
	for rows.Next() {
		f := callboard.Fact{Entity: entity}
		var typ, value string
		var at int64
		if err := rows.Scan(&f.Source, &f.Key, &typ, &value, &at); err != nil {
			return nil, db.classify(err, "facts of "+entity)
		}
		if f.Value, err = decodeFactValue(typ, value); err != nil {
			return nil, callboard.Wrap(callboard.Internal, err, "fact %s of %s from %s", f.Key, entity, f.Source)
		}
		f.At = time.UnixMilli(at).UTC()
		out = append(out, f)
	}
	return out, db.classify(rows.Err(), "facts of "+entity)
}

// EntitiesWithFact returns the sorted refs of the entities whose fact
// source/key has value's type and value. Errors: Invalid, Internal.
func (db *DB) EntitiesWithFact(ctx context.Context, source, key string, value any) ([]string, error) {
	typ, text, err := encodeFactValue(value)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT entity FROM facts WHERE source = ? AND key = ? AND type = ? AND value = ? ORDER BY entity`),
		source, key, typ, text)
	if err != nil {
		return nil, db.classify(err, "entities with fact "+key)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			return nil, db.classify(err, "entities with fact "+key)
		}
		out = append(out, ref)
	}
	return out, db.classify(rows.Err(), "entities with fact "+key)
}

// FactsWithKey returns fact source/key of every entity that has it, by
// entity. Errors: Internal.
func (db *DB) FactsWithKey(ctx context.Context, source, key string) ([]callboard.Fact, error) {
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT entity, type, value, at FROM facts WHERE source = ? AND key = ? ORDER BY entity`), source, key)
	if err != nil {
		return nil, db.classify(err, "facts "+source+"/"+key)
	}
	defer rows.Close()
	var out []callboard.Fact
	for rows.Next() {
		f := callboard.Fact{Source: source, Key: key}
		var typ, value string
		var at int64
		if err := rows.Scan(&f.Entity, &typ, &value, &at); err != nil {
			return nil, db.classify(err, "facts "+source+"/"+key)
		}
		if f.Value, err = decodeFactValue(typ, value); err != nil {
			return nil, callboard.Wrap(callboard.Internal, err, "fact %s of %s from %s", key, f.Entity, source)
		}
		f.At = time.UnixMilli(at).UTC()
		out = append(out, f)
	}
	return out, db.classify(rows.Err(), "facts "+source+"/"+key)
}

// encodeFactValue names v's type and gives its JSON text; a time is
// written in UTC so that one instant has one text.
func encodeFactValue(v any) (typ, text string, err error) {
	switch x := v.(type) {
	case bool:
		typ = "bool"
	case int64:
		typ = "int"
	case float64:
		typ = "float"
	case string:
		typ = "string"
	case time.Time:
		typ, v = "time", x.UTC()
	default:
		return "", "", callboard.Errorf(callboard.Invalid, "fact value of type %T; use bool, int64, float64, string or time.Time", v)
	}
	b, err := json.Marshal(v)
	if err != nil { // NaN and infinities have no JSON
		return "", "", callboard.Wrap(callboard.Invalid, err, "fact value %v", v)
	}
	return typ, string(b), nil
}

// decodeFactValue reads back what encodeFactValue wrote.
func decodeFactValue(typ, text string) (any, error) {
	var err error
	switch typ {
	case "bool":
		var v bool
		err = json.Unmarshal([]byte(text), &v)
		return v, err
	case "int":
		var v int64
		err = json.Unmarshal([]byte(text), &v)
		return v, err
	case "float":
		var v float64
		err = json.Unmarshal([]byte(text), &v)
		return v, err
	case "string":
		var v string
		err = json.Unmarshal([]byte(text), &v)
		return v, err
	case "time":
		var v time.Time
		err = json.Unmarshal([]byte(text), &v)
		return v, err
	}
	return nil, callboard.Errorf(callboard.Internal, "unknown fact type %q", typ)
}

var _ callboard.FactStore = (*DB)(nil)
