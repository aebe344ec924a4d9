// The C++ symbols of testdata/node-cxx-sample.txt (every 50th of Node 20.20.2's, up to 600
// characters) whose demangling differs from GNU c++filt 2.40's, and why. demangle.test.ts fails
// when the set of differences is not exactly this one. All four are symbols our parser gives up
// on (expressions in template arguments), so the library (cpp_demangle) demangles them.

const LIB_NO_RETURN_TYPE = 'library: no return type on a function template (c++filt prints it)';
const LIB_SIZEOF_PACK = 'library: `sizeof...()` where c++filt prints the size of the (empty) pack, 0';
const LIB_TEMPLATE_FUNCTION_ADDRESS = 'library: `&f<…>` where c++filt prints `&(int f<…>(…))`, and no return type';

export const KNOWN_DIFFERENCES: ReadonlyMap<string, string> = new Map([
  ['_ZN12v8_inspector9V8Console4callIXadL_ZNS0_3DirERKN2v85debug20ConsoleCallArgumentsERKNS3_14ConsoleContextEEEEEvRKNS2_20FunctionCallbackInfoINS2_5ValueEEE', LIB_NO_RETURN_TYPE],
  ['_ZN2v88internal24SharedMacroAssemblerBase9AvxHelperINS0_11XMMRegisterES3_JEE4emitIXadL_ZNS0_9Assembler7vpminsbES3_S3_S3_EEXadL_ZNS6_6pminsbES3_S3_EEEEvS3_S3_', LIB_NO_RETURN_TYPE],
  ['_ZN2v88internal8compiler14GraphAssembler10BranchImplIJEEEvNS1_15BranchSemanticsEPNS1_4NodeEPNS1_19GraphAssemblerLabelIXsZT_EEES9_NS0_10BranchHintEDpT_', LIB_SIZEOF_PACK],
  ['_ZN4node10StreamBase8JSMethodIXadL_ZNS0_11WriteStringILNS_8encodingE4EEEiRKN2v820FunctionCallbackInfoINS4_5ValueEEEEEEEvS9_', LIB_TEMPLATE_FUNCTION_ADDRESS],
]);
