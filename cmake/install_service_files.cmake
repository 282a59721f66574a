# Install-time script (included by cmake_install.cmake, see install_layout.cmake):
# installs the systemd units and their env files of contrib/systemd/. Those
# are written for the Debian package's layout (/usr/bin, /etc/caravanserai),
# so that they are the real, readable units; for another prefix this script
# rewrites those two paths. It runs at install time because
# `cmake --install --prefix P` may choose another prefix than the configured
# one, and a unit must name the cara-server that was really installed.
#
# In: CMAKE_INSTALL_PREFIX (the install-time prefix), CARA_INSTALL_BINDIR,
# CARA_INSTALL_SYSCONFDIR, CARA_UNIT_DIR (relative to the prefix, or absolute),
# CARA_UNIT_SOURCE_DIR (contrib/systemd), CARA_STAGING_DIR (in the build dir).
# DESTDIR is applied by file(INSTALL), as for every other installed file.

# An absolute dir as is; a relative one under the prefix.
function(cara_full_dir dir out)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

string(REGEX REPLACE "/+$" "" prefix "${CMAKE_INSTALL_PREFIX}")  # "/" -> ""
cara_full_dir("${CARA_INSTALL_BINDIR}" bin_dir)
cara_full_dir("${CARA_UNIT_DIR}" unit_dir)
# GNUInstallDirs' rule for the configuration dir: /etc for the prefixes /
# and /usr, /etc/opt/... for /opt/..., else under the prefix.
if(IS_ABSOLUTE "${CARA_INSTALL_SYSCONFDIR}")
  set(sysconf_dir "${CARA_INSTALL_SYSCONFDIR}")
elseif(prefix STREQUAL "" OR prefix STREQUAL "/usr")
  set(sysconf_dir "/${CARA_INSTALL_SYSCONFDIR}")
elseif(prefix MATCHES "^/opt/")
  set(sysconf_dir "/${CARA_INSTALL_SYSCONFDIR}${prefix}")
else()
  set(sysconf_dir "${prefix}/${CARA_INSTALL_SYSCONFDIR}")
endif()
set(config_dir "${sysconf_dir}/caravanserai")

# One staging dir per destination, so two installs at once do not race.
string(MD5 destination_key "$ENV{DESTDIR}|${prefix}")
set(staging "${CARA_STAGING_DIR}/${destination_key}")
set(units cara-server.service cara-agent.service caractrl-sync.service)
set(env_files cara-server.env cara-agent.env caractrl-sync.env)
foreach(name IN LISTS units env_files)
  file(READ "${CARA_UNIT_SOURCE_DIR}/${name}" text)
  string(REPLACE "/usr/bin/" "${bin_dir}/" text "${text}")
  string(REPLACE "/etc/caravanserai" "${config_dir}" text "${text}")
  file(WRITE "${staging}/${name}" "${text}")
endforeach()
list(TRANSFORM units PREPEND "${staging}/" OUTPUT_VARIABLE staged_units)

file(INSTALL DESTINATION "${unit_dir}" TYPE FILE FILES ${staged_units})
# The env files are the admin's configuration: an existing one is kept, as
# dpkg keeps a conffile, so installing again never loses a setting. They
# may hold tokens and passwords: root only (systemd reads them before it
# drops privileges).
foreach(name IN LISTS env_files)
  if(EXISTS "$ENV{DESTDIR}${config_dir}/${name}")
    message(STATUS "Keeping: $ENV{DESTDIR}${config_dir}/${name} (the default is ${staging}/${name})")
  else()
    file(INSTALL DESTINATION "${config_dir}" TYPE FILE
      PERMISSIONS OWNER_READ OWNER_WRITE FILES "${staging}/${name}")
  endif()
endforeach()
