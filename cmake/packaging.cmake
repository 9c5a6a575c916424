# What `cmake --install` puts where, and the .deb `cpack -G DEB` makes of it.
#
#   PREFIX/bin/fovea                       the one executable
#   PREFIX/lib/fovea/libfovea_torch.so     its private LibTorch module
#   PREFIX/lib/fovea/libfovea_codecs.so    its private module of OpenCV codecs
#                                          (found relative to bin/fovea)
#   PREFIX/share/fovea/models/NAME/VER/    the shipped model repository
#   PREFIX/share/doc/fovea/                README, docs/, example cluster
#                                          scripts
#   SYSCONFDIR/fovea/coordinator.ini       example node configs (TLS, with
#   SYSCONFDIR/fovea/workers/default.ini   certificates under .../certs)
#   PREFIX/lib/systemd/system/             fovea-coordinator.service and
#                                          fovea-worker@.service
#
# The configs and units name absolute paths, fixed when CMake configures:
# configure with -DCMAKE_INSTALL_PREFIX=/usr for a system install or a
# package (SYSCONFDIR is then /etc), as scripts/package does.

set(FOVEA_BIN_DIR "${CMAKE_INSTALL_FULL_BINDIR}")
set(FOVEA_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/fovea")
set(FOVEA_MODELS_DIR "${CMAKE_INSTALL_FULL_DATADIR}/fovea/models")
set(FOVEA_DOC_DIR "${CMAKE_INSTALL_FULL_DOCDIR}")
set(FOVEA_STATE_DIR "${CMAKE_INSTALL_FULL_LOCALSTATEDIR}/lib/fovea")
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  # GNUInstallDirs gives /var for /usr only through LOCALSTATEDIR's special
  # case; systemd's StateDirectory= is always /var/lib.
  set(FOVEA_STATE_DIR "/var/lib/fovea")
endif()

set(package_dir "${CMAKE_BINARY_DIR}/package")
configure_file(config/package/coordinator.ini.in
               "${package_dir}/coordinator.ini" @ONLY)
configure_file(config/package/workers/default.ini.in
               "${package_dir}/workers/default.ini" @ONLY)
configure_file(config/package/fovea-coordinator.service.in
               "${package_dir}/fovea-coordinator.service" @ONLY)
configure_file(config/package/fovea-worker@.service.in
               "${package_dir}/fovea-worker@.service" @ONLY)

install(TARGETS fovea RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(TARGETS fovea_torch fovea_codecs
        LIBRARY DESTINATION "${FOVEA_PRIVATE_LIBDIR}")
install(DIRECTORY models/ DESTINATION "${CMAKE_INSTALL_DATADIR}/fovea/models"
        PATTERN "__pycache__" EXCLUDE PATTERN "*.pyc" EXCLUDE)
install(FILES README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}")
# README's links lead into docs/: installed beside it, they still resolve.
install(DIRECTORY docs DESTINATION "${CMAKE_INSTALL_DOCDIR}"
        FILES_MATCHING PATTERN "*.md")
install(DIRECTORY config/clusters DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples")
# Prometheus alert rules and their unit tests, for rule_files: in a
# Prometheus the operator runs (docs/operations.md#alert-rules).
install(DIRECTORY config/monitoring DESTINATION "${CMAKE_INSTALL_DATADIR}/fovea")
install(FILES "${package_dir}/coordinator.ini"
        DESTINATION "${CMAKE_INSTALL_FULL_SYSCONFDIR}/fovea")
install(FILES "${package_dir}/workers/default.ini"
        DESTINATION "${CMAKE_INSTALL_FULL_SYSCONFDIR}/fovea/workers")
install(FILES "${package_dir}/fovea-coordinator.service"
              "${package_dir}/fovea-worker@.service"
        DESTINATION lib/systemd/system)

set(CPACK_PACKAGE_NAME fovea)
set(CPACK_PACKAGE_VENDOR "fovea")
set(CPACK_PACKAGE_CONTACT "fovea maintainers <fovea@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "distributed image recognition on CAF, OpenCV and LibTorch")
set(CPACK_PACKAGE_DESCRIPTION
    "A coordinator hands image tasks to worker nodes over the C++ Actor
Framework behind a TLS edge; workers decode with OpenCV and classify with
LibTorch (TorchScript). Ships the fovea command, a Fashion-MNIST model
repository and systemd units for a coordinator and workers.")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# The libraries come from dpkg-shlibdeps over the executable and the module
# (CAF, LibTorch, OpenCV, OpenSSL, Boost, readline, ...); useradd, which the
# postinst calls, comes from passwd.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
# LibTorch's linear layers run 1.6x faster on OpenBLAS than on the reference
# BLAS that libblas3 otherwise is (see scripts/install-deps).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libopenblas0-openmp")
configure_file(config/package/conffiles.in "${package_dir}/conffiles" @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${package_dir}/conffiles"
    "${CMAKE_SOURCE_DIR}/config/package/postinst"
    "${CMAKE_SOURCE_DIR}/config/package/prerm"
    "${CMAKE_SOURCE_DIR}/config/package/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
