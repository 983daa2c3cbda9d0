/* The UBJSON bounds check run before XGBoost reads a booster: values of
 * every kind accepted, and every length, count, marker and nesting that
 * would make a reader leave the buffer refused with the byte offset. */
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "ubjson.h"

#define CHECK(bytes) sg_ubjson_check((const uint8_t *)(bytes), sizeof(bytes) - 1, "t", &err)

int main(void)
{
    sg_error err;
    /* {"a": [$d#L 2 floats], "b": "xy", "c": [#L 2: i 5, Z], "d": [T F ]} */
    static const char good[] =
        "{L\0\0\0\0\0\0\0\1a[$d#L\0\0\0\0\0\0\0\2\x3f\x80\0\0\x40\0\0\0"
        "L\0\0\0\0\0\0\0\1bSL\0\0\0\0\0\0\0\2xy"
        "L\0\0\0\0\0\0\0\1c[#L\0\0\0\0\0\0\0\2i\5Z"
        "L\0\0\0\0\0\0\0\1d[TF]}";
    tap_ok(CHECK(good) == 0, "an object with a typed array, a string, a counted and an open array passes");
    tap_ok(CHECK("l\0\0\0\7") == 0, "a lone int32 passes");
    tap_ok(CHECK("[$L#L\0\0\0\0\0\0\0\0") == 0, "an empty typed array passes");

    tap_ok(CHECK("[$d#L\0\0\0\0\0\0\0\3\0\0\0\0\0\0\0\0") == SG_EDATA, "a typed array count beyond the data fails");
    tap_is_str(err.msg, "t: corrupt UBJSON at byte 13 of 21: typed array longer than the data",
             "the message names the offset and the reason");
    tap_ok(CHECK("[$d#L\x7f\xff\xff\xff\xff\xff\xff\xff") == SG_EDATA, "a count that overflows n * size fails");
    tap_ok(CHECK("[$d#L\x80\0\0\0\0\0\0\0") == SG_EDATA, "a negative count fails");
    tap_ok(strstr(err.msg, "negative length") != NULL, "named as negative");
    tap_ok(CHECK("SL\0\0\0\0\0\0\0\5abc") == SG_EDATA, "a string longer than the data fails");
    tap_ok(CHECK("{L\0\0\0\0\0\0\1\0a}") == SG_EDATA, "a key longer than the data fails");
    tap_ok(CHECK("{L\0\0\0\0\0\0\0\1aZ") == SG_EDATA, "an object not closed fails");
    tap_ok(strstr(err.msg, "object not closed") != NULL, "named as not closed");
    tap_ok(CHECK("[ZZ") == SG_EDATA, "an array not closed fails");
    tap_ok(CHECK("[#L\0\0\0\0\0\0\0\4Z") == SG_EDATA, "an array count beyond the data fails");
    tap_ok(CHECK("[$i#L\0\0\0\0\0\0\0\1\1") == SG_EDATA, "a typed array of int8 (XGBoost cannot read it) fails");
    tap_ok(CHECK("SU\3abc") == SG_EDATA, "a string length that is not an int64 fails");
    tap_ok(CHECK("D\0\0\0\0\0\0\0\0") == SG_EDATA, "float64 (XGBoost cannot read it) fails");
    tap_ok(strstr(err.msg, "at byte 0 of 9: unknown marker") != NULL, "an unknown marker is named at its offset");
    tap_ok(CHECK("l\0\0") == SG_EDATA, "a number cut short fails");
    tap_ok(CHECK("ZZ") == SG_EDATA, "bytes after the value fail");
    tap_ok(sg_ubjson_check(NULL, 0, "t", &err) == SG_EDATA, "no bytes fail");

    char deep[2 * (SG_UBJSON_MAX_DEPTH + 2)];
    size_t n = 0;
    for (int k = 0; k <= SG_UBJSON_MAX_DEPTH + 1; k++)
        deep[n++] = '[';
    for (int k = 0; k <= SG_UBJSON_MAX_DEPTH + 1; k++)
        deep[n++] = ']';
    tap_ok(sg_ubjson_check((const uint8_t *)deep, n, "t", &err) == SG_EDATA, "nesting deeper than the limit fails");
    tap_ok(strstr(err.msg, "nested too deeply") != NULL, "named as too deep");
    tap_ok(sg_ubjson_check((const uint8_t *)deep + 2, n - 4, "t", &err) == 0, "nesting at the limit passes");
    return tap_done();
}
