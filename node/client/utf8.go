package client

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/kith-network/kith/node/api"
)

// checkUTF8 refuses a request whose text is not UTF-8 (a file in
// Latin-1, say), naming the field: JSON encoding would otherwise replace
// each bad byte with U+FFFD, and the daemon would sign and publish the
// damaged text, for good.
func checkUTF8(in any) error {
	return walkUTF8(reflect.ValueOf(in), "")
}

func walkUTF8(v reflect.Value, name string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return walkUTF8(v.Elem(), name)
	case reflect.String:
		if s := v.String(); !utf8.ValidString(s) {
			i := api.NotUTF8(s)
			return fmt.Errorf("%s is not UTF-8 text (byte 0x%02x at offset %d): Kith keeps text as UTF-8; convert it first (for example with iconv -f latin1 -t utf-8)", orText(name), s[i], i)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // bytes, not text
		}
		for i := range v.Len() {
			if err := walkUTF8(v.Index(i), name); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if err := walkUTF8(it.Key(), name); err != nil {
				return err
			}
			if err := walkUTF8(it.Value(), name); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			field := strings.Split(f.Tag.Get("json"), ",")[0]
			if field == "" {
				field = f.Name
			}
			if field == "-" {
				continue
			}
			if err := walkUTF8(v.Field(i), field); err != nil {
				return err
			}
		}
	}
	return nil
}

func orText(name string) string {
	if name == "" {
		return "the text"
	}
	return "the " + name + " field"
}
