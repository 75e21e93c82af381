/* Vtable assembly: handwritten slots over generated defaults (see <mapirt/object.h>). */
#include <string.h>

#include <mapirt/object.h>

void mapirt_vtbl_fill(void *out, const void *impl, const void *defaults, size_t size)
{
    /* A vtable is a sequence of function pointers; copy slot by slot so a NULL slot of the
     * implementation falls back to the generated default. */
    typedef void (*slot)(void);
    size_t n = size / sizeof(slot);
    for (size_t i = 0; i < n; i++) {
        slot s;
        memcpy(&s, (const char *)impl + i * sizeof(slot), sizeof(slot));
        if (s == NULL)
            memcpy(&s, (const char *)defaults + i * sizeof(slot), sizeof(slot));
        memcpy((char *)out + i * sizeof(slot), &s, sizeof(slot));
    }
}
