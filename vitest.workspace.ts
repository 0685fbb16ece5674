// The list of test projects: every package runs its own tests against its sources.
export default ['packages/*'];
