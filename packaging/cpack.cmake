# CPack settings for `cpack -G DEB`, included once from the top-level
# CMakeLists.txt after every install() rule (packaging/CMakeLists.txt).
# The package holds exactly what `cmake --install` installs; see
# docs/packaging.md.

set(HAUL_PACKAGE_MAINTAINER "haul maintainers <maintainers@users.noreply.h-seed-404172e1.example>"
    CACHE STRING "The Maintainer field of the .deb")
set(HAUL_PACKAGE_HOMEPAGE "" CACHE STRING "The Homepage field of the .deb (left out when empty)")

set(CPACK_PACKAGE_NAME haul)
set(CPACK_PACKAGE_VENDOR "The haul authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "download accelerator for HTTP and HTTPS")
set(CPACK_PACKAGE_DESCRIPTION
    "haul fetches a file over several connections at once, with ranged pieces,\n"
    "work stealing and mirrors, and runs whole lists of downloads on one shared\n"
    "pool of connections. Downloads resume after an interruption, can be\n"
    "verified with a checksum before they get their name, and can be streamed\n"
    "to stdout in order. Built on libcurl.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
# Packages ship stripped binaries, whatever the build type.
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${HAUL_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE ${HAUL_PACKAGE_HOMEPAGE})
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# `cpack` alone builds the .deb. A source package, if ever made, must not
# sweep up build trees or git's files.
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_IGNORE_FILES "/build/" "/\\.git")
# haul_1.2.3_amd64.deb, architecture from dpkg.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends comes from the shared libraries the binary links (libcurl4,
# libspdlog1.10, libfmt9, libstdc++6, libc6, ...): dpkg-shlibdeps, from
# dpkg-dev, works them out. Without it, the list below is what a build
# against Debian 12's packages links.
#
# libcurl4 (>= 7.88.1) is named either way: dpkg-shlibdeps knows only the
# symbols haul calls (libcurl4 >= 7.68.0), not the options it sets
# (CURLOPT_PROTOCOLS_STR is 7.85) nor the version haul is tested with
# (find_package(CURL 7.88) in the top-level CMakeLists.txt).
set(HAUL_DEPENDS_LIBCURL "libcurl4 (>= 7.88.1)")
find_program(HAUL_DPKG_SHLIBDEPS dpkg-shlibdeps)
mark_as_advanced(HAUL_DPKG_SHLIBDEPS)
if(HAUL_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS ${HAUL_DEPENDS_LIBCURL})
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libc6, libstdc++6, libgcc-s1, ${HAUL_DEPENDS_LIBCURL}, libspdlog1.10, libfmt9")
endif()

include(CPack)
