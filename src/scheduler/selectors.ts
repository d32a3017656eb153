// Label selector, node selector and toleration matching as kube's scheduler helpers do them.
export { findUntoleratedTaint, labelSelectorMatches, nodeSelectorTermMatches, nodeSelectorTermsMatch, toleratesTaint } from '../api/scheduling.js';


