/* test_realloc.c: MAPIReallocateBuffer: contents kept, children kept and freed with the moved
 * block, NULL allocates, children and foreign pointers refused, failure leaves the block. */
#include <mapix.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <string.h>

#include <mapirt/testhooks.h>

#include "oom.h"

Test(realloc, grows_and_keeps_contents_and_children)
{
    LPVOID buf, child, grown;
    cr_assert_eq(MAPIAllocateBuffer(16, &buf), S_OK);
    memcpy(buf, "0123456789abcdef", 16);
    cr_assert_eq(MAPIAllocateMore(100, buf, &child), S_OK);
    memset(child, 7, 100);
    cr_assert_eq(MAPIReallocateBuffer(buf, 100000, &grown), S_OK);
    cr_assert_eq(memcmp(grown, "0123456789abcdef", 16), 0);
    memset((char *)grown + 16, 1, 100000 - 16);
    /* The child is still attached: a new child hangs on the moved root, and one free frees
     * them all (LeakSanitizer checks). */
    LPVOID child2;
    cr_assert_eq(MAPIAllocateMore(10, child, &child2), S_OK);
    cr_assert_eq(((char *)child)[99], 7);
    LPVOID shrunk;
    cr_assert_eq(MAPIReallocateBuffer(grown, 4, &shrunk), S_OK);
    cr_assert_eq(memcmp(shrunk, "0123", 4), 0);
    MAPIFreeBuffer(shrunk);
    MAPIRT_LEAK_CHECK();
}

Test(realloc, null_allocates)
{
    LPVOID p = NULL;
    cr_assert_eq(MAPIReallocateBuffer(NULL, 32, &p), S_OK);
    cr_assert_not_null(p);
    memset(p, 0, 32);
    MAPIFreeBuffer(p);
}

Test(realloc, bad_arguments)
{
    LPVOID buf, child, out = (LPVOID)0x1;
    char local[32];
    cr_assert_eq(MAPIAllocateBuffer(8, &buf), S_OK);
    cr_assert_eq(MAPIAllocateMore(8, buf, &child), S_OK);
    cr_assert_eq(MAPIReallocateBuffer(buf, 8, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(MAPIReallocateBuffer(child, 16, &out), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(MAPIReallocateBuffer(local + 16, 16, &out), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(out, (LPVOID)0x1);
    MAPIFreeBuffer(buf);
}

Test(realloc, out_of_memory_keeps_the_old_block)
{
    LPVOID buf, out = NULL;
    cr_assert_eq(MAPIAllocateBuffer(8, &buf), S_OK);
    memcpy(buf, "keepme!", 8);
    mapirt_test_fail_alloc(1);
    cr_assert_eq(MAPIReallocateBuffer(buf, 4096, &out), MAPI_E_NOT_ENOUGH_MEMORY);
    mapirt_test_fail_alloc(0);
    cr_assert_null(out);
    cr_assert_str_eq(buf, "keepme!");
    cr_assert_eq(MAPIReallocateBuffer(buf, 4096, &out), S_OK);
    cr_assert_str_eq(out, "keepme!");
    MAPIFreeBuffer(out);
    MAPIRT_LEAK_CHECK();
}
