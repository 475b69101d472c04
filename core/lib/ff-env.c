/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ff-env.h"
#include "ff-error.h"

/* Variables that decide how a program is loaded or how an interpreter
 * starts: whoever sets one runs code of their choosing inside the run, in
 * front of the pipeline's own. Only the pipeline's author (pipeline.json)
 * and the operator may set them; see docs/security.md. */
static const gchar *const reserved_names[] = {
  "BASH_ENV",
  "ENV",
  "PATH",
  "IFS",
  "SHELLOPTS",
  "BASHOPTS",
  "PS4",
  "CDPATH",
  "GLIBC_TUNABLES",
  "GCONV_PATH",
  "LOCPATH",
  "NLSPATH",
  "HOSTALIASES",
  "RESOLV_HOST_CONF",
  "MALLOC_CHECK_",
  "PYTHONPATH",
  "PYTHONHOME",
  "PYTHONSTARTUP",
  "PYTHONUSERBASE",
  "PYTHONWARNINGS",
  "PYTHONBREAKPOINT",
  "PYTHONINSPECT",
  "PYTHONPLATLIBDIR",
  "PYTHONEXECUTABLE",
  "PERL5OPT",
  "PERL5LIB",
  "PERLLIB",
  "PERL5DB",
  "NODE_OPTIONS",
  "NODE_PATH",
  "RUBYOPT",
  "RUBYLIB",
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
  "JDK_JAVA_OPTIONS",
  "GIO_MODULE_DIR",
  "GI_TYPELIB_PATH",
  "GIO_EXTRA_MODULES",
  /* more interpreters and libraries that load or run code named here */
  "ZDOTDIR",
  "CLASSPATH",
  "PHPRC",
  "PHP_INI_SCAN_DIR",
  "TCLLIBPATH",
  "R_PROFILE",
  "R_PROFILE_USER",
  "R_ENVIRON",
  "R_ENVIRON_USER",
  "ERL_AFLAGS",
  "ERL_ZFLAGS",
  "ERL_FLAGS",
  "DOTNET_STARTUP_HOOKS",
  "OPENSSL_CONF",
  "OPENSSL_ENGINES",
  "OPENSSL_MODULES",
  "GIT_CONFIG_COUNT",
  "GIT_CONFIG_PARAMETERS",
  "GIT_EXEC_PATH",
  "GIT_SSH",
  "GIT_SSH_COMMAND",
  "GIT_ASKPASS",
  "GIT_PROXY_COMMAND",
  "GIT_EXTERNAL_DIFF",
  NULL,
};

/* LUA_INIT, LUA_INIT_5_4, … alike */
static const gchar *const reserved_prefixes[] = {
  "LD_", "DYLD_", "FASTFLOW_", "BASH_FUNC_", "LUA_INIT", "LUA_PATH", "LUA_CPATH", NULL,
};

/**
 * ff_env_name_is_valid:
 * @name: a variable name
 * @length: its length, or -1 when @name ends with a NUL
 *
 * Returns: %TRUE for a name of letters, digits and “_” that does not start
 *   with a digit
 */
gboolean
ff_env_name_is_valid (const gchar *name, gssize length)
{
  gsize len;

  g_return_val_if_fail (name != NULL, FALSE);

  len = length < 0 ? strlen (name) : (gsize) length;
  if (len == 0 || g_ascii_isdigit (name[0]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isalnum (name[i]) && name[i] != '_')
        return FALSE;
    }
  return TRUE;
}

/**
 * ff_env_name_is_reserved:
 * @name: a variable name
 *
 * Returns: %TRUE when @name changes how a program is loaded or an
 *   interpreter starts (`LD_*`, `BASH_ENV`, `PYTHONPATH`, …) or is one of
 *   fastflow's own (`FASTFLOW_*`)
 */
gboolean
ff_env_name_is_reserved (const gchar *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  if (g_strv_contains (reserved_names, name))
    return TRUE;
  for (guint i = 0; reserved_prefixes[i] != NULL; i++)
    {
      if (g_str_has_prefix (name, reserved_prefixes[i]))
        return TRUE;
    }
  return FALSE;
}

/**
 * ff_env_check_caller_name:
 * @name: a variable name a caller (D-Bus, fastflowctl, a webhook) passes
 * @error: return location for a #GError
 *
 * Checks a variable that comes with a run rather than from the pipeline's
 * own pipeline.json: it must be a valid name and not a reserved one.
 *
 * Returns: %TRUE when a caller may set @name; else %FALSE with
 *   %FF_ERROR_INVALID_ARGUMENT naming the variable
 */
gboolean
ff_env_check_caller_name (const gchar *name, GError **error)
{
  g_return_val_if_fail (name != NULL, FALSE);

  if (!ff_env_name_is_valid (name, -1))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not a valid environment variable name (letters, digits and “_”, "
                      "not starting with a digit)"),
                   name);
      return FALSE;
    }
  if (g_str_has_prefix (name, "FASTFLOW_"))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The variable %s cannot be set with a run: fastflow sets the FASTFLOW_ "
                      "variables itself"),
                   name);
      return FALSE;
    }
  if (ff_env_name_is_reserved (name))
    {
      g_set_error (error, FF_ERROR, FF_ERROR_INVALID_ARGUMENT,
                   _ ("The variable %s cannot be set with a run: it changes how programs are "
                      "loaded or how an interpreter starts (only the pipeline’s own "
                      "pipeline.json may set it in default_env)"),
                   name);
      return FALSE;
    }
  return TRUE;
}
