// The C++ symbols of testdata/node-cxx-sample.txt (every 50th of Node 20.20.2's, up to 600
// characters) whose demangling differs from GNU c++filt 2.40's, and why. demangle.test.ts fails
// when the set of differences is not exactly this one.

/** The library (cpp_demangle), where our parser gave up: a pointer-to-function template argument
 *  printed with its signature (`&f(int)`), where c++filt prints `&f`. */
const LIB_FUNCTION_ARG_SIGNATURE = 'library: &f(signature) for a function template argument';
/** The library prints no return type for function templates; c++filt does. */
const LIB_NO_RETURN_TYPE = 'library: no return type on a function template';
/** The library prints `sizeof...()` unevaluated; c++filt prints the pack's size. */
const LIB_SIZEOF_PACK = 'library: sizeof...(pack) left unevaluated';
/** Our parser: a reference to an array template argument (`char [5] const&` for `char const (&) [5]`). */
const OWN_ARRAY_ARG = 'own parser: reference to an array template argument';
/** Our parser: substitutions inside a lambda's closure type resolve to the wrong entry. */
const OWN_LAMBDA_SUBST = 'own parser: substitution numbering inside a lambda closure type';

export const KNOWN_DIFFERENCES: ReadonlyMap<string, string> = new Map([
  ['_ZN12v8_inspector9V8Console4callIXadL_ZNS0_3DirERKN2v85debug20ConsoleCallArgumentsERKNS3_14ConsoleContextEEEEEvRKNS2_20FunctionCallbackInfoINS2_5ValueEEE', LIB_FUNCTION_ARG_SIGNATURE],
  ['_ZN2v812_GLOBAL__N_116MakeAccessorInfoIPFvNS_5LocalINS_6StringEEERKNS_20PropertyCallbackInfoINS_5ValueEEEEPFvS4_NS2_IS6_EERKNS5_IvEEEEENS_8internal6HandleINSI_12AccessorInfoEEEPNSI_7IsolateENS2_INS_4NameEEET_T0_SC_NS_13AccessControlEbb', LIB_NO_RETURN_TYPE],
  ['_ZN2v88internal24SharedMacroAssemblerBase9AvxHelperINS0_11XMMRegisterES3_JEE4emitIXadL_ZNS0_9Assembler7vpminsbES3_S3_S3_EEXadL_ZNS6_6pminsbES3_S3_EEEEvS3_S3_', LIB_FUNCTION_ARG_SIGNATURE],
  ['_ZN2v88internal8compiler14GraphAssembler10BranchImplIJEEEvNS1_15BranchSemanticsEPNS1_4NodeEPNS1_19GraphAssemblerLabelIXsZT_EEES9_NS0_10BranchHintEDpT_', LIB_SIZEOF_PACK],
  ['_ZN4node10JSONWriter13json_keyvalueIA5_cmEEvRKT_RKT0_', OWN_ARRAY_ARG],
  ['_ZN4node10StreamBase8JSMethodIXadL_ZNS0_11WriteStringILNS_8encodingE4EEEiRKN2v820FunctionCallbackInfoINS4_5ValueEEEEEEEvS9_', LIB_FUNCTION_ARG_SIGNATURE],
  ['_ZN4node4wasi4WASI12WasiFunctionIPFjRS1_NS0_10WasmMemoryEjEXadL_ZNS1_6FdSyncES3_S4_jEEjJjEE12FastCallbackEN2v85LocalINS8_6ObjectEEEjRNS8_22FastApiCallbackOptionsE', LIB_FUNCTION_ARG_SIGNATURE],
  ['_ZN4node4wasi4WASI12WasiFunctionIPFjRS1_NS0_10WasmMemoryEjjjEXadL_ZNS1_14PathUnlinkFileES3_S4_jjjEEjJjjjEE11SetFunctionEPNS_11EnvironmentEPKcN2v85LocalINSC_16FunctionTemplateEEE', LIB_FUNCTION_ARG_SIGNATURE],
  ['_ZN4node4wasi4WASI12WasiFunctionIPFjRS1_NS0_10WasmMemoryEjjjmjEXadL_ZNS1_7FdPreadES3_S4_jjjmjEEjJjjjmjEE12SlowCallbackERKN2v820FunctionCallbackInfoINS8_5ValueEEE', LIB_FUNCTION_ARG_SIGNATURE],
  ['_ZNSt17_Function_handlerIFbRSoRKN2v88internal8compiler10turboshaft5GraphENS4_7OpIndexEEZNS4_20TypeInferenceReducerINS4_12ReducerStackINS4_9AssemblerINS4_12reducer_listIJNS4_25TypedOptimizationsReducerESA_EEEEEJNS4_11ReducerBaseEEEEE7AnalyzeEvEUlS0_S7_S8_E_E10_M_managerERSt9_Any_dataRKSM_St18_Manager_operation', OWN_LAMBDA_SUBST],
  ['_ZNSt17_Function_handlerIFvN2v88internal10HeapObjectENS1_14FullObjectSlotES2_EZNS1_20MarkCompactCollector20FlushBytecodeFromSFIENS1_18SharedFunctionInfoEEUlS2_S3_S2_E0_E10_M_managerERSt9_Any_dataRKS9_St18_Manager_operation', OWN_LAMBDA_SUBST],
  ['_ZNSt17_Function_handlerIFvN2v88internal5TNodeINS1_6ObjectEEEEZNS1_8compiler30PromiseBuiltinReducerAssembler24ReducePromiseConstructorERKNS6_16NativeContextRefEEUlS4_E0_E10_M_managerERSt9_Any_dataRKSD_St18_Manager_operation', OWN_LAMBDA_SUBST],
  ['_ZNSt17_Function_handlerIFvPN12v8_inspector16InspectedContextEEZNS0_22V8InspectorSessionImpl31setCustomObjectFormatterEnabledEbEUlS2_E_E10_M_managerERSt9_Any_dataRKS7_St18_Manager_operation', OWN_LAMBDA_SUBST],
  ['_ZNSt17_Function_handlerIFvPN2v88internal5LabelENS2_8DistanceEEZNS1_8baseline16BaselineCompiler23VisitTestReferenceEqualEvEUlS3_S4_E_E10_M_managerERSt9_Any_dataRKSA_St18_Manager_operation', OWN_LAMBDA_SUBST],
  ['_ZNSt17_Function_handlerIFvmEZN4node12_GLOBAL__N_17FdEntry10ReaderImpl12OnStreamReadElRK8uv_buf_tEUlmE0_E10_M_managerERSt9_Any_dataRKSA_St18_Manager_operation', OWN_LAMBDA_SUBST],
  ['_ZNSt6vectorIPFvPN2v87IsolateEESaIS4_EE17_M_realloc_insertIJRKS4_EEEvN9__gnu_cxx17__normal_iteratorIPS4_S6_EEDpOT_', LIB_NO_RETURN_TYPE],
  ['_ZSt13__adjust_heapIN9__gnu_cxx17__normal_iteratorIPN2v88internal13BreakLocationESt6vectorIS4_SaIS4_EEEElS4_NS0_5__ops15_Iter_comp_iterIPFbRKS4_SD_EEEEvT_T0_SI_T1_T2_', LIB_NO_RETURN_TYPE],
  ['_ZZN4node4wasi4WASI12WasiFunctionIPFjRS1_NS0_10WasmMemoryEjEXadL_ZNS1_6FdSyncES3_S4_jEEjJjEE12SlowCallbackERKN2v820FunctionCallbackInfoINS8_5ValueEEEE20error_and_abort_args', LIB_FUNCTION_ARG_SIGNATURE],
  ['_ZZN4node6cryptoL24ReturnPropertyThroughBIOIXadL_ZNS0_23GetSubjectAltNameStringEPNS_11EnvironmentEP7x509_stRKSt10unique_ptrI6bio_stNS_15FunctionDeleterIS7_XadL_Z12BIO_free_allEEEEEEEEEvRKN2v820FunctionCallbackInfoINSD_5ValueEEEE20error_and_abort_args', LIB_FUNCTION_ARG_SIGNATURE],
]);
