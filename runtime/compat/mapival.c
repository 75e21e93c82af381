/* mapival.c: the stack-walking validation entry points of mapival.h. Microsoft's
 * __ValidateParameters(eMethod, &This) reads the arguments that follow This on the caller's
 * stack (the home area Win64 spills register arguments to). The System V ABI has no such area:
 * the arguments are not reachable from This's address, so nothing can be checked and both
 * answer MAPI_E_NO_SUPPORT; mapival.h's ValidateParameters macros do not call them. The
 * Validate_<Interface>_<Method> macros and HrValidateParameters (generated) do the checking. */
#include <mapival.h>

HRESULT __ValidateParameters(METHODS eMethod, LPVOID ppThis)
{
    (void)eMethod, (void)ppThis;
    return MAPI_E_NO_SUPPORT;
}

HRESULT __CPPValidateParameters(METHODS eMethod, const LPVOID ppFirst)
{
    (void)eMethod, (void)ppFirst;
    return MAPI_E_NO_SUPPORT;
}
