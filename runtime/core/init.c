/* runtime/core/init.c: MAPIInitialize/MAPIUninitialize and ScInitMapiUtil/DeinitMapiUtil.
 *
 * A process-wide count under one mutex. MAPI creates its notification thread on the first
 * MAPIInitialize only; here it is created by the first call that asks for it with
 * MAPI_MULTITHREAD_NOTIFICATIONS, even a nested one, so a multithreaded component that
 * initialises after a single-threaded one still gets the dispatcher it asked for. It lives
 * until the count returns to zero. Without the flag, notifications are delivered on the
 * thread that fires them (MAPI would use the first initialising thread's message loop, which
 * Linux programs do not have).
 *
 * The utility functions (memory, property and table utilities, CreateIProp) work without any
 * initialisation in this runtime; ScInitMapiUtil/DeinitMapiUtil only keep their own balanced
 * count so that callers following the reference behave the same here.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <mapicode.h>
#include <mapix.h>
#include <mapiutil.h>

#include <mapirt/init.h>
#include <mapirt/mapiutil_impl.h>
#include <mapirt/mapix_impl.h>

#include "notify/notify_internal.h"

static pthread_mutex_t g_init_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long g_init_count; /* under g_init_mu */
static atomic_int g_initialized;
static unsigned long g_util_count; /* under g_init_mu */

HRESULT MAPIInitialize(LPVOID lpMapiInit)
{
    ULONG flags = 0;
    HRESULT hr;

    /* Step 1 of the reference's strictly ordered steps: parameters, then flags. The structure
     * version is a parameter check; MAPI_E_VERSION belongs to the OLE compatibility step. */
    if (lpMapiInit) {
        const MAPIINIT_0 *init = lpMapiInit;
        if (init->ulVersion != MAPI_INIT_VERSION)
            return MAPI_E_INVALID_PARAMETER;
        flags = init->ulFlags;
        /* In a structure, so not an IDL parameter attribute: the generated mask. */
        if (flags & ~MAPIRT_FLAGSET_InitFlags)
            return MAPI_E_UNKNOWN_FLAGS;
    }

    pthread_mutex_lock(&g_init_mu);
    if (flags & MAPI_MULTITHREAD_NOTIFICATIONS) {
        hr = mapirt_dispatcher_start();
        if (FAILED(hr)) {
            pthread_mutex_unlock(&g_init_mu);
            return hr;
        }
    }
    g_init_count++;
    atomic_store(&g_initialized, 1);
    pthread_mutex_unlock(&g_init_mu);
    return S_OK;
}

void MAPIUninitialize(void)
{
    struct mapirt_dispatcher *d = NULL;
    int ended = 0;

    pthread_mutex_lock(&g_init_mu);
    int last = g_init_count == 1;
    pthread_mutex_unlock(&g_init_mu);
    /* The last one ends the sessions still open first (their providers log off while MAPI is
     * still initialised), outside the lock: providers may call back into MAPI. */
    if (last)
        mapirt_sessions_end_all();
    pthread_mutex_lock(&g_init_mu);
    if (g_init_count == 0) {
        /* Unbalanced call: nothing to undo. */
        pthread_mutex_unlock(&g_init_mu);
        return;
    }
    if (--g_init_count == 0) {
        atomic_store(&g_initialized, 0);
        d = mapirt_dispatcher_detach();
        ended = 1;
    }
    pthread_mutex_unlock(&g_init_mu);
    /* Joined outside the lock: a callback still running on the dispatcher may itself call
     * MAPIInitialize. */
    mapirt_dispatcher_join(d);
    if (ended)
        mapirt_profstore_forget_default();
}

int mapirt_is_initialized(void) { return atomic_load(&g_initialized); }

int mapirt_multithread_notifications(void) { return mapirt_dispatcher_running(); }

SCODE ScInitMapiUtil(ULONG ulFlags)
{
    HRESULT hr = ScInitMapiUtil_check_inline(ulFlags);

    if (FAILED(hr))
        return hr;
    pthread_mutex_lock(&g_init_mu);
    g_util_count++;
    pthread_mutex_unlock(&g_init_mu);
    return S_OK;
}

void DeinitMapiUtil(void)
{
    pthread_mutex_lock(&g_init_mu);
    if (g_util_count)
        g_util_count--;
    pthread_mutex_unlock(&g_init_mu);
}
