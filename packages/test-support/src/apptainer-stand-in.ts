// The apptainer stand-in and its images ship with @mr/gitlab-simulator (`demo` runs them too); tests keep
// importing them from here.
export {
  buildBusyboxRootfs,
  buildImageRegistry,
  bwrapAvailable,
  findStaticBusybox,
  installStandInApptainer,
  isolationUnavailable,
  registryImageDir,
  STAND_IN_VERSIONS,
  type StandInApptainer,
  type StandInApptainerOptions,
  type StandInCall,
  standInApptainerScript,
  writeStandInImage,
} from '@mr/gitlab-simulator';
