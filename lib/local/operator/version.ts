/** The Mesos version LocalCluster answers as (masters and agents, v0 and operator endpoints). */
export const LOCAL_MESOS_VERSION = '1.12.0';
